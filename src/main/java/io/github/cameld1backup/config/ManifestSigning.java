package io.github.cameld1backup.config;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.Signature;
import java.security.spec.PKCS8EncodedKeySpec;
import java.security.spec.X509EncodedKeySpec;
import java.util.Base64;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Signed manifests: an Ed25519 signature over a manifest's exact bytes, stored beside it as
 * {@code NAME.manifest.json.sig} (the raw 64 bytes, what {@code openssl pkeyutl -sign -rawin} writes and
 * {@code openssl pkeyutl -verify -rawin} checks). Keys are PEM, as {@code openssl genpkey -algorithm ed25519}
 * makes them (PKCS#8 {@code PRIVATE KEY}, SPKI {@code PUBLIC KEY} from {@code openssl pkey -pubout}),
 * given as the PEM text itself or the path of a file holding it. Key material is never echoed in a message.
 */
public final class ManifestSigning {

    public static final String ALGORITHM = "Ed25519";
    private static final Pattern PEM = Pattern.compile("-----BEGIN ([A-Z ]+)-----(.*?)-----END \\1-----", Pattern.DOTALL);

    private ManifestSigning() {
    }

    /** The signing key of setting {@code key} (MANIFEST_SIGNING_KEY), from its PEM text or file. */
    static PrivateKey privateKey(String setting, String value) {
        byte[] der = pem(setting, value, "PRIVATE KEY", "an Ed25519 private key in PEM (-----BEGIN PRIVATE KEY-----,"
                + " from: openssl genpkey -algorithm ed25519 -out manifest-key.pem), or the path of a file holding one");
        try {
            return KeyFactory.getInstance(ALGORITHM).generatePrivate(new PKCS8EncodedKeySpec(der));
        } catch (GeneralSecurityException | RuntimeException e) {
            throw new IllegalArgumentException(setting + " is not an Ed25519 private key (PKCS#8): make one with"
                    + " openssl genpkey -algorithm ed25519 -out manifest-key.pem");
        }
    }

    /** The verifying key of setting {@code key} (MANIFEST_PUBLIC_KEY), from its PEM text or file. */
    static PublicKey publicKey(String setting, String value) {
        byte[] der = pem(setting, value, "PUBLIC KEY", "an Ed25519 public key in PEM (-----BEGIN PUBLIC KEY-----, from:"
                + " openssl pkey -in manifest-key.pem -pubout -out manifest-pub.pem), or the path of a file holding one");
        try {
            return KeyFactory.getInstance(ALGORITHM).generatePublic(new X509EncodedKeySpec(der));
        } catch (GeneralSecurityException | RuntimeException e) {
            throw new IllegalArgumentException(setting + " is not an Ed25519 public key (SPKI): make it with"
                    + " openssl pkey -in manifest-key.pem -pubout -out manifest-pub.pem");
        }
    }

    /** The signature of a manifest's bytes (64 bytes). */
    public static byte[] sign(PrivateKey key, byte[] manifest) {
        try {
            Signature s = Signature.getInstance(ALGORITHM);
            s.initSign(key);
            s.update(manifest);
            return s.sign();
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("cannot sign the manifest: " + e.getMessage(), e);
        }
    }

    /** Whether {@code signature} is the key's signature of exactly these bytes. */
    public static boolean verifies(PublicKey key, byte[] manifest, byte[] signature) {
        try {
            Signature s = Signature.getInstance(ALGORITHM);
            s.initVerify(key);
            s.update(manifest);
            return s.verify(signature);
        } catch (GeneralSecurityException | RuntimeException e) {
            return false; // a signature of the wrong length or form is no signature of these bytes
        }
    }

    /** The DER bytes of the PEM block labelled {@code label}: in the value itself, or in the file it names. */
    private static byte[] pem(String setting, String value, String label, String what) {
        String text = value.strip();
        if (!text.startsWith("-----BEGIN")) {
            try {
                Path file = Path.of(text);
                if (!Files.isRegularFile(file)) {
                    throw new IllegalArgumentException(setting + " must be " + what + ": it is neither PEM nor a file"
                            + " that exists");
                }
                text = Files.readString(file, StandardCharsets.US_ASCII);
            } catch (IOException | java.nio.file.InvalidPathException e) {
                throw new IllegalArgumentException(setting + " must be " + what + ": its file cannot be read");
            }
        }
        // A PEM pasted into a one-line setting (an .env file) may carry its line breaks as the two characters \n.
        Matcher m = PEM.matcher(text.replace("\\n", "\n"));
        if (!m.find() || !m.group(1).equals(label)) {
            throw new IllegalArgumentException(setting + " must be " + what);
        }
        try {
            return Base64.getMimeDecoder().decode(m.group(2).strip());
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(setting + " must be " + what + ": its PEM body is not base64");
        }
    }
}
