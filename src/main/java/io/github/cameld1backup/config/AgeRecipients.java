package io.github.cameld1backup.config;

import com.exceptionfactory.jagged.x25519.X25519RecipientStanzaWriterFactory;
import java.security.GeneralSecurityException;
import java.util.List;

/** The check of age recipients, shared by the settings (at start-up) and the age data format. */
public final class AgeRecipients {

    private AgeRecipients() {
    }

    /** Fails naming AGE_RECIPIENTS unless every entry is an age X25519 public key (age1...). */
    public static void check(List<String> recipients) {
        try {
            for (String r : recipients) {
                X25519RecipientStanzaWriterFactory.newRecipientStanzaWriter(r);
            }
        } catch (GeneralSecurityException | RuntimeException e) {
            throw new IllegalArgumentException("AGE_RECIPIENTS (age.recipients) must be age X25519 public keys"
                    + " (age1...), separated by commas");
        }
    }
}
