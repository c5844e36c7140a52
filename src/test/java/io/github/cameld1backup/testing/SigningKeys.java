package io.github.cameld1backup.testing;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Ed25519 key pairs for signed manifests as PEM files, made as the README says (openssl genpkey, openssl pkey
 * -pubout) when openssl is installed, else by the JDK in the same formats (PKCS#8, SPKI); and openssl's own
 * verdict on a signature.
 */
public final class SigningKeys {

    /** The private key's and the public key's PEM files. */
    public record Pair(Path privatePem, Path publicPem) {
        public String publicPemText() throws IOException {
            return Files.readString(publicPem);
        }
    }

    private SigningKeys() {
    }

    public static boolean opensslInstalled() {
        try {
            return run(List.of("openssl", "version")) == 0;
        } catch (IOException e) {
            return false;
        }
    }

    /** A new key pair in {@code dir}, as {@code NAME.pem} and {@code NAME.pub.pem}. */
    public static Pair make(Path dir, String name) throws Exception {
        Files.createDirectories(dir);
        Path key = dir.resolve(name + ".pem");
        Path pub = dir.resolve(name + ".pub.pem");
        if (opensslInstalled()) {
            require(run(List.of("openssl", "genpkey", "-algorithm", "ed25519", "-out", key.toString())) == 0);
            require(run(List.of("openssl", "pkey", "-in", key.toString(), "-pubout", "-out", pub.toString())) == 0);
        } else {
            KeyPair pair = KeyPairGenerator.getInstance("Ed25519").generateKeyPair();
            Files.writeString(key, pem("PRIVATE KEY", pair.getPrivate().getEncoded()));
            Files.writeString(pub, pem("PUBLIC KEY", pair.getPublic().getEncoded()));
        }
        return new Pair(key, pub);
    }

    /** openssl's verdict: {@code openssl pkeyutl -verify -pubin -inkey PUB -rawin -in MANIFEST -sigfile SIG}. */
    public static boolean opensslVerifies(Path publicPem, Path manifest, Path signature) throws IOException {
        return run(List.of("openssl", "pkeyutl", "-verify", "-pubin", "-inkey", publicPem.toString(), "-rawin", "-in",
                manifest.toString(), "-sigfile", signature.toString())) == 0;
    }

    private static String pem(String label, byte[] der) {
        return "-----BEGIN " + label + "-----\n" + Base64.getMimeEncoder(64, "\n".getBytes(StandardCharsets.US_ASCII))
                .encodeToString(der) + "\n-----END " + label + "-----\n";
    }

    private static int run(List<String> command) throws IOException {
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        try {
            p.getInputStream().readAllBytes();
            if (!p.waitFor(30, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                return -1;
            }
            return p.exitValue();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            p.destroyForcibly();
            return -1;
        }
    }

    private static void require(boolean ok) {
        if (!ok) {
            throw new IllegalStateException("openssl could not make an Ed25519 key pair");
        }
    }
}
