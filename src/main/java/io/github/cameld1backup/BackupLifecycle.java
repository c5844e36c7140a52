package io.github.cameld1backup;

import io.github.cameld1backup.dump.SqlDumpWriter;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import org.apache.camel.Body;
import org.apache.camel.Exchange;
import org.apache.camel.ExchangeProperty;
import org.apache.camel.Handler;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Bean for the start and end of a run: opens the spool file the dump streams into, names the
 * backup, and on success or failure removes the spool so nothing half-written is left behind.
 */
public class BackupLifecycle {

    public static final String RUN = "backupRun";
    private static final Logger LOG = LoggerFactory.getLogger(BackupLifecycle.class);

    private final BackupSettings settings;

    public BackupLifecycle(BackupSettings settings) {
        this.settings = settings;
    }

    /** Starts a run: the {@link BackupRun} goes into the exchange property {@value #RUN}. */
    @Handler
    public void start(Exchange exchange) throws IOException {
        SourceSpec source = settings.source();
        Files.createDirectories(settings.workDirectory());
        Path spool = Files.createTempFile(settings.workDirectory(), "camel-d1-backup-", ".sql.spool");
        OutputStream out = Files.newOutputStream(spool);
        String name = source.kind().equals(SourceSpec.SQLITE)
                ? Path.of(source.location()).getFileName().toString().replaceFirst("\\.[^.]*$", "")
                : settings.databaseName().orElse(null);
        BackupRun run = new BackupRun(source, settings.targetDirectory(), spool,
                new SqlDumpWriter(out, settings.maxStatementBytes()), name);
        exchange.setProperty(RUN, run);
        LOG.info("Backup {} of {} started", run.id(), source.describe());
    }

    /** Records the database name the D1 API answered with. */
    public void databaseNamed(@Body String name, @ExchangeProperty(RUN) BackupRun run) {
        run.databaseName(name);
    }

    /** Picks the backup's final name, never one already in the target, and hands over the spool file. */
    public void finishDump(@ExchangeProperty(RUN) BackupRun run, Exchange exchange) throws IOException {
        run.writer().close();
        String name = run.backupName();
        String base = name.substring(0, name.length() - ".sql".length());
        // "_2" sorts after the plain name ("-2" would sort before it), so names stay in time order.
        for (int n = 2; Files.exists(run.targetDirectory().resolve(name)); n++) {
            name = base + "_" + n + ".sql";
        }
        exchange.getMessage().setHeader(Exchange.FILE_NAME, name);
        exchange.getMessage().setBody(run.spool().toFile());
    }

    /** The run's report, after the target has the backup. */
    public BackupResult succeeded(@ExchangeProperty(RUN) BackupRun run, Exchange exchange) {
        String location = exchange.getMessage().getHeader(Exchange.FILE_NAME_PRODUCED, String.class);
        BackupResult result = new BackupResult(run.id(), run.databaseName(), location, run.tablesDone(), run.rows(),
                run.writer().bytes(), run.requests(), Duration.between(run.startedAt(), Instant.now()));
        deleteSpool(run);
        LOG.info(result.summary());
        return result;
    }

    /** Error path: close and remove the spool; the exception still propagates to the caller. */
    public void failed(Exchange exchange) {
        BackupRun run = exchange.getProperty(RUN, BackupRun.class);
        Throwable cause = exchange.getProperty(Exchange.EXCEPTION_CAUGHT, Throwable.class);
        if (run != null) {
            try {
                run.writer().close();
            } catch (IOException | UncheckedIOException ignored) {
                // the spool is deleted below either way
            }
            deleteSpool(run);
        }
        LOG.error("Backup {} failed: {}", run == null ? "" : run.id(), cause == null ? "unknown error" : cause.getMessage());
    }

    private static void deleteSpool(BackupRun run) {
        try {
            Files.deleteIfExists(run.spool());
        } catch (IOException e) {
            LOG.warn("Could not delete spool file {}: {}", run.spool(), e.getMessage());
        }
    }
}
