package io.github.cameld1backup.dump;

import io.github.cameld1backup.core.BackupProperties;
import io.github.cameld1backup.model.BackupRun;
import io.github.cameld1backup.config.BackupSettings;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.concurrent.CompletableFuture;
import java.util.function.Supplier;
import org.apache.camel.Body;
import org.apache.camel.Exchange;
import org.apache.camel.ExchangeProperty;
import org.apache.camel.ProducerTemplate;

/**
 * Bean that runs compression and encryption (the data formats of route {@value #ROUTE}) beside the
 * dump instead of as later passes over it: the dump writer streams through a {@link DumpPipe} into
 * that route, running on another thread, which writes the finished object into the run's spool file.
 * With {@code backup.verify} the plain SQL is written to the spool first, checked, then encoded.
 */
public class DumpEncoding {

    public static final String ROUTE = "direct:encode-dump";
    /** Exchange properties the encode route reads. */
    public static final String SPOOL = "dumpSpool";
    private static final String RUNNING = "dumpEncoder";
    private static final int CHUNK_BYTES = 1 << 18;
    private static final int CHUNKS = 16; // at most 4 MiB of SQL waiting for the encoder

    private final Supplier<ProducerTemplate> templates;
    public DumpEncoding(Supplier<ProducerTemplate> templates) {
        this.templates = templates;
    }

    private record Running(DumpPipe pipe, CompletableFuture<Exchange> done) {
    }

    /**
     * Where the dump goes: the spool file itself, or (compressed or encrypted, not verified first) a
     * pipe into the encode route, started here.
     */
    public OutputStream open(Exchange exchange, Path spool, BackupSettings settings)
            throws IOException {
        String compression = settings.compression();
        String encryption = settings.encryption();
        if (settings.verify() || !encodes(compression, encryption)) {
            return Files.newOutputStream(spool);
        }
        DumpPipe pipe = new DumpPipe(CHUNK_BYTES, CHUNKS);
        CompletableFuture<Exchange> done = templates.get().asyncSend(ROUTE, e -> {
            properties(e, spool, settings);
            e.getMessage().setBody(pipe.source());
        });
        // An encoder that fails stops reading: the dump's next write fails instead of waiting forever.
        done.whenComplete((e, failure) -> {
            Throwable cause = failure != null ? failure : e == null ? null : e.getException();
            if (cause != null) {
                pipe.source().fail(cause);
            } else {
                pipe.source().close();
            }
        });
        exchange.setProperty(RUNNING, new Running(pipe, done));
        return pipe.sink();
    }

    /** After the dump is closed (and verified): the body becomes the file holding the encoded object (or the plain dump). */
    public void finish(Exchange exchange, @ExchangeProperty(BackupProperties.RUN) BackupRun run) throws Exception {
        Running running = exchange.getProperty(RUNNING, Running.class);
        Exchange encoded = null;
        if (running != null) {
            encoded = running.done().get();
        } else if (encodes(run.compression(), run.encryption())) {
            encoded = templates.get().send(ROUTE, e -> {
                properties(e, run.spool(), run.settings());
                e.getMessage().setBody(run.spool().toFile());
            });
        }
        if (encoded == null) {
            exchange.getMessage().setBody(run.spool().toFile());
            return;
        }
        if (encoded.getException() != null) {
            throw encoded.getException();
        }
        // Named for what it now holds (.sql.gz.enc...): the run stages it where it is.
        Path named = run.encodedFile();
        named.toFile().deleteOnExit();
        Files.move(run.spool(), named, StandardCopyOption.REPLACE_EXISTING);
        run.encodedSha256(encoded.getProperty(BackupProperties.ENCODED_SHA256, String.class));
        exchange.getMessage().setBody(named.toFile());
    }

    /** Last step of the encode route: the encoded object into the spool file (replacing any plain SQL there). */
    public void save(@Body InputStream encoded, @ExchangeProperty(SPOOL) Path spool) throws IOException {
        try (encoded) {
            Files.copy(encoded, spool, StandardCopyOption.REPLACE_EXISTING);
        }
    }

    /** What the encode route reads: the spool, and the database's settings (its layers and keys). */
    private static void properties(Exchange e, Path spool, BackupSettings settings) {
        e.setProperty(SPOOL, spool);
        e.setProperty(BackupProperties.SETTINGS, settings);
    }

    private static boolean encodes(String compression, String encryption) {
        return !"none".equals(compression) || !"none".equals(encryption);
    }
}
