package io.github.cameld1backup.subject;

import io.github.cameld1backup.config.BackupSettings;
import java.nio.charset.StandardCharsets;
import java.util.HexFormat;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/** The key of the keyed hash that stands for a subject's value in the erasure ledger and the audit log. */
public final class SubjectKeys {

    private SubjectKeys() {
    }

    /**
     * subject.hash.key as given (its UTF-8 bytes), else a key derived from encryption.key (an HMAC of a fixed
     * label, so the backups' key itself is never used for anything else); with neither, a clear refusal: an
     * unkeyed hash of an e-mail address is no protection.
     */
    public static SubjectKey from(BackupSettings settings) {
        var own = settings.subjectHashKey();
        if (own.isPresent()) {
            if (own.get().length() < 16) {
                throw new IllegalArgumentException("SUBJECT_HASH_KEY (subject.hash.key) must be at least 16 characters");
            }
            return SubjectKey.of(own.get().getBytes(StandardCharsets.UTF_8));
        }
        var encryption = settings.encryptionKey();
        if (encryption.isPresent()) {
            try {
                Mac mac = Mac.getInstance("HmacSHA256");
                mac.init(new SecretKeySpec(HexFormat.of().parseHex(encryption.get()), "HmacSHA256"));
                return SubjectKey.of(mac.doFinal("camel-d1-backup subject hash key".getBytes(StandardCharsets.UTF_8)));
            } catch (java.security.GeneralSecurityException | IllegalArgumentException e) {
                throw new IllegalArgumentException("cannot derive the subject hash key from ENCRYPTION_KEY: "
                        + e.getClass().getSimpleName());
            }
        }
        throw new IllegalArgumentException("data-subject requests need a key for the keyed hash that stands for the"
                + " subject's value in the erasure ledger and the audit log: set SUBJECT_HASH_KEY (subject.hash.key, at"
                + " least 16 characters; keep it: restores need it to apply the ledger) or ENCRYPTION_KEY");
    }
}
