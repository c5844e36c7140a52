package io.github.cameld1backup.format;

import com.exceptionfactory.jagged.RecipientStanzaReader;
import com.exceptionfactory.jagged.RecipientStanzaWriter;
import com.exceptionfactory.jagged.framework.stream.StandardDecryptingChannelFactory;
import com.exceptionfactory.jagged.framework.stream.StandardEncryptingChannelFactory;
import com.exceptionfactory.jagged.x25519.X25519RecipientStanzaReaderFactory;
import com.exceptionfactory.jagged.x25519.X25519RecipientStanzaWriterFactory;
import io.github.cameld1backup.config.AgeRecipients;
import io.github.cameld1backup.config.BackupSettings;
import java.io.FilterOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.channels.Channels;
import java.nio.channels.ReadableByteChannel;
import java.nio.channels.WritableByteChannel;
import java.security.GeneralSecurityException;
import java.util.ArrayList;
import java.util.List;

/**
 * age encryption to X25519 recipients ({@code age1...}): the backup host holds only public keys,
 * and anyone with an identity decrypts with the standard {@code age} tool. Decryption (for
 * restore) needs an identity ({@code AGE-SECRET-KEY-1...}).
 */
public class AgeDataFormat extends StreamingDataFormat {

    private final List<String> recipients;
    private final List<String> identities;

    public AgeDataFormat(List<String> recipients, List<String> identities) {
        this.recipients = List.copyOf(recipients);
        this.identities = List.copyOf(identities);
        AgeRecipients.check(recipients);
    }

    @Override
    StreamingDataFormat forSettings(BackupSettings settings) {
        return new AgeDataFormat(settings.ageRecipients(), settings.ageIdentities());
    }

    @Override
    public String getDataFormatName() {
        return "age";
    }

    @Override
    protected void encode(InputStream in, OutputStream out) throws Exception {
        if (recipients.isEmpty()) {
            throw new IllegalStateException("no age recipients configured (AGE_RECIPIENTS)");
        }
        List<RecipientStanzaWriter> writers = new ArrayList<>();
        for (String r : recipients) {
            writers.add(X25519RecipientStanzaWriterFactory.newRecipientStanzaWriter(r));
        }
        try (WritableByteChannel channel = new StandardEncryptingChannelFactory()
                .newEncryptingChannel(Channels.newChannel(new NonClosing(out)), writers);
             OutputStream encrypting = Channels.newOutputStream(channel)) {
            in.transferTo(encrypting);
        }
    }

    @Override
    protected void decode(InputStream in, OutputStream out) throws Exception {
        if (identities.isEmpty()) {
            throw new IllegalStateException("no age identity configured (AGE_IDENTITY) to decrypt with");
        }
        List<RecipientStanzaReader> readers = new ArrayList<>();
        for (String identity : identities) {
            readers.add(X25519RecipientStanzaReaderFactory.newRecipientStanzaReader(identity));
        }
        try (ReadableByteChannel channel = new StandardDecryptingChannelFactory()
                .newDecryptingChannel(Channels.newChannel(in), readers)) {
            Channels.newInputStream(channel).transferTo(out);
        } catch (GeneralSecurityException | IOException e) {
            throw new DecryptionException("backup failed authentication (age): wrong identity, or the file was altered"
                    + " or cut short (" + e.getMessage() + ")", e);
        }
    }

    /** Lets the age channel finish its last chunk without closing Camel's stream. */
    private static final class NonClosing extends FilterOutputStream {
        NonClosing(OutputStream out) {
            super(out);
        }

        @Override
        public void write(byte[] b, int off, int len) throws IOException {
            out.write(b, off, len);
        }

        @Override
        public void close() throws IOException {
            flush();
        }
    }
}
