package io.github.cameld1backup.subject;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.util.HexFormat;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * The HMAC-SHA256 key that turns a subject's value into the keyed hash the erasure ledger and the
 * audit log keep instead of the value: equal values, equal hashes; without the key, no dictionary
 * attack on e-mail addresses or ids.
 */
public final class SubjectKey {

    private static final String ALGORITHM = "HmacSHA256";

    private final SecretKeySpec key;

    private SubjectKey(byte[] key) {
        this.key = new SecretKeySpec(key, ALGORITHM);
    }

    /** A key of at least 16 bytes (copied). */
    public static SubjectKey of(byte[] key) {
        if (key == null || key.length < 16) {
            throw new IllegalArgumentException("a subject hash key needs at least 16 bytes");
        }
        return new SubjectKey(key.clone());
    }

    /** HMAC-SHA256 of the text's UTF-8 bytes, lower-case hex. */
    public String hash(String valueText) {
        return hasher().hash(valueText);
    }

    /** A hasher that keeps one Mac: for hashing many values on one thread (an SQL function's scan). */
    Hasher hasher() {
        try {
            Mac mac = Mac.getInstance(ALGORITHM);
            mac.init(key);
            return new Hasher(mac);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("HMAC-SHA256 is not available", e);
        }
    }

    @Override
    public String toString() {
        return "SubjectKey[HMAC-SHA256]";
    }

    /** Not thread-safe, like the Mac it holds. */
    static final class Hasher {

        private final Mac mac;

        private Hasher(Mac mac) {
            this.mac = mac;
        }

        String hash(String valueText) {
            return HexFormat.of().formatHex(mac.doFinal(valueText.getBytes(StandardCharsets.UTF_8)));
        }
    }
}
