package io.github.cameld1backup.service;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import io.github.cameld1backup.config.BackupSettings;
import io.github.cameld1backup.config.ManifestSigning;
import io.github.cameld1backup.config.SourceSpec;
import io.github.cameld1backup.config.TargetSpec;
import io.github.cameld1backup.core.BackupProperties;
import io.github.cameld1backup.core.Failures;
import io.github.cameld1backup.model.BackupResult;
import io.github.cameld1backup.model.BackupRun;
import io.github.cameld1backup.model.IncrementalPlan;
import io.github.cameld1backup.dump.DumpEncoding;
import io.github.cameld1backup.dump.SqlDump;
import io.github.cameld1backup.sql.SqlDumpWriter;
import io.github.cameld1backup.dump.TableParts;
import io.github.cameld1backup.model.BackupNames;
import io.github.cameld1backup.model.Manifest;
import io.github.cameld1backup.model.Rewrite;
import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.DigestInputStream;
import java.security.MessageDigest;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.camel.Body;
import org.apache.camel.Exchange;
import org.apache.camel.ExchangeProperty;
import org.apache.camel.Handler;
import org.apache.camel.Message;
import org.apache.camel.component.aws2.s3.AWS2S3Constants;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Bean for the start and end of a run: opens the spool file the dump streams into, stages the
 * finished object with its manifest, records each target's outcome, and on success or failure
 * removes its scratch files so nothing half-written is left behind.
 */
public class BackupLifecycle {

    private static final Logger LOG = LoggerFactory.getLogger(BackupLifecycle.class);
    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    private final RunRegistry registry;

    public BackupLifecycle(RunRegistry registry) {
        this.registry = registry;
    }

    /**
     * Starts a run of the database whose settings {@link Databases#select} put in the exchange: the
     * {@link BackupRun} goes into the exchange property {@value BackupProperties#RUN}.
     */
    @Handler
    public void start(@ExchangeProperty(BackupProperties.SETTINGS) BackupSettings settings, Exchange exchange) throws IOException {
        SourceSpec source = settings.source();
        Files.createDirectories(settings.workDirectory());
        Path spool = Files.createTempFile(settings.workDirectory(), "camel-d1-backup-", ".sql.spool");
        spool.toFile().deleteOnExit(); // a run cut off by shutdown leaves no scratch behind
        // The spool file, or a pipe into compression and encryption running beside the dump.
        OutputStream out;
        try {
            out = exchange.getContext().getRegistry().lookupByNameAndType("dumpEncoding",
                    DumpEncoding.class).open(exchange, spool, settings);
        } catch (IOException | RuntimeException e) {
            Files.deleteIfExists(spool); // the run does not exist yet, so failed() cannot remove it
            throw e;
        }
        BackupRun run = new BackupRun(settings, spool, new SqlDumpWriter(out, settings.maxStatementBytes()),
                settings.backupName().orElse(null));
        run.id(registry.attach(exchange.getMessage().getHeader(RunRegistry.RUN_ID, String.class), run));
        exchange.setProperty(BackupProperties.RUN, run);
        exchange.setProperty(BackupProperties.D1_DATABASE, source.location()); // the D1 routes address this database
        LOG.info("Backup {} of {} started", run.id(), source.describe());
    }

    /** Records the database name the D1 API answered with. */
    public void databaseNamed(@Body String name, @ExchangeProperty(BackupProperties.RUN) BackupRun run) {
        run.databaseName(name);
    }

    /** Closes the dump and hands the spool file on to compression and encryption. */
    public void finishDump(@ExchangeProperty(BackupProperties.RUN) BackupRun run, Exchange exchange) throws IOException {
        run.writer().close();
        exchange.getMessage().setBody(run.spool().toFile());
    }

    /**
     * Puts the finished object in a file of known length (so uploads stream it and a failed upload
     * is retried from it, without reading the database again), hashes it, and writes the manifest.
     */
    public void stage(@Body Object body, @ExchangeProperty(BackupProperties.RUN) BackupRun run,
                      @ExchangeProperty(BackupProperties.REWRITE) Rewrite rewrite, Exchange exchange) throws Exception {
        run.objectName(rewrite != null ? rewrite.objectName() : uniqueName(run));
        Path named = run.encodedFile();
        // The spool, or the file dumpEncoding encoded it into: staged where it is.
        Path staged = body instanceof File f && (f.toPath().equals(run.spool()) || f.toPath().equals(named))
                ? f.toPath()
                : named;
        staged.toFile().deleteOnExit();
        // The encoded file was hashed as it was written (dumpEncoding); anything else is hashed here.
        String checksum = staged.equals(named) && body instanceof File ? run.encodedSha256() : null;
        if (checksum == null) {
            MessageDigest sha256 = MessageDigest.getInstance("SHA-256");
            try (InputStream in = new DigestInputStream(
                    exchange.getContext().getTypeConverter().mandatoryConvertTo(InputStream.class, exchange, body), sha256)) {
                if (body instanceof File f && staged.equals(f.toPath())) {
                    in.transferTo(OutputStream.nullOutputStream());
                } else {
                    Files.copy(in, staged);
                }
            }
            checksum = HexFormat.of().formatHex(sha256.digest());
        }
        IncrementalPlan plan = run.incremental();
        Manifest manifest = new Manifest(Manifest.FORMAT_VERSION, run.objectName(), "camel-d1-backup", toolVersion(),
                run.id(), new Manifest.Database(run.source().kind(),
                        run.source().kind().equals(SourceSpec.D1) ? run.source().location() : null, run.databaseName()),
                run.startedAt().truncatedTo(ChronoUnit.MILLIS).toString(),
                Instant.now().truncatedTo(ChronoUnit.MILLIS).toString(), run.tableRows(), run.rows(),
                run.schema().hash(), run.writer().bytes(), Files.size(staged),
                checksum, run.compression(),
                new Manifest.Encryption(run.encryption(), run.encryption().equals("age") ? run.settings().ageRecipients() : null),
                run.verification() == null ? null : new Manifest.Verification(run.verification().ok(),
                        Instant.now().truncatedTo(ChronoUnit.SECONDS).toString(), run.verification().checks().stream()
                        .map(c -> (c.ok() ? "ok " : "FAIL ") + c.name() + ": " + c.detail()).toList()),
                run.mode(), run.timeTravel(), run.inexact() == null ? null : run.inexact().isEmpty(),
                run.inexact() == null || run.inexact().isEmpty() ? null : run.inexact(),
                plan != null && plan.incremental() ? Manifest.INCREMENTAL : Manifest.FULL,
                plan != null && plan.incremental() ? new Manifest.Parent(plan.parent().object(), plan.parent().sha256()) : null,
                run.sourceVersion(), run.forcedFull(), plan == null || plan.tables().isEmpty() ? null : plan.changes(),
                null, null);
        run.staged(staged, rewrite == null ? manifest : rewritten(manifest, rewrite));
    }

    /**
     * The manifest of a rewrite: what the new dump holds, under the original's times, database, bookmarks and
     * source version (so retention, listings and the skip check see the same point in time), as a full backup
     * naming the backup it replaces and the erasures applied.
     */
    private static Manifest rewritten(Manifest dumped, Rewrite rewrite) {
        Manifest o = rewrite.original();
        return new Manifest(dumped.formatVersion(), dumped.object(), dumped.tool(), dumped.toolVersion(), dumped.runId(),
                o.database(), o.startedAt(), o.finishedAt(), dumped.tables(), dumped.rows(), dumped.schemaHash(),
                dumped.sqlBytes(), dumped.storedBytes(), dumped.sha256(), dumped.compression(), dumped.encryption(),
                dumped.verification(), o.mode(), o.timeTravel(), o.exact(), o.inexact(), Manifest.FULL, null,
                o.sourceVersion(), null, null, new Manifest.Parent(o.object(), o.sha256()), rewrite.erasures());
    }

    /**
     * The stored object for one target: the staged file in the body, its name, type and length in the
     * properties the store route turns into file: or aws2-s3 headers, its metadata for R2.
     */
    public void prepareObject(@ExchangeProperty(BackupProperties.RUN) BackupRun run, Exchange exchange) throws IOException {
        Message m = exchange.getMessage();
        m.setBody(run.staged().toFile());
        name(exchange, run.objectName(), BackupNames.contentType(run.objectName()), Files.size(run.staged()));
        Manifest manifest = run.manifest();
        m.setHeader(AWS2S3Constants.METADATA, Map.of(
                "database", run.databaseName(), "format", "sql", "compression", run.compression(),
                "encryption", run.encryption(), "sha256", manifest.sha256(), "manifest-version",
                String.valueOf(Manifest.FORMAT_VERSION)));
    }

    /**
     * MANIFEST_SIGNING_KEY: the Ed25519 signature of the manifest's bytes for one target, stored after the object
     * and before the manifest, so a signed deployment never shows a manifest without its signature.
     */
    public void prepareSignature(@ExchangeProperty(BackupProperties.RUN) BackupRun run, Exchange exchange) throws IOException {
        byte[] signature = ManifestSigning.sign(run.settings().manifestSigningKey().orElseThrow(), manifestBytes(run));
        Message m = exchange.getMessage();
        m.setBody(signature);
        m.removeHeader(AWS2S3Constants.METADATA);
        name(exchange, run.objectName() + Manifest.SIGNATURE_SUFFIX, "application/octet-stream", signature.length);
    }

    /** The manifest for one target, stored after the object so a manifest always means a whole backup. */
    public void prepareManifest(@ExchangeProperty(BackupProperties.RUN) BackupRun run, Exchange exchange) throws IOException {
        byte[] json = manifestBytes(run);
        Message m = exchange.getMessage();
        m.setBody(json);
        m.removeHeader(AWS2S3Constants.METADATA);
        name(exchange, run.objectName() + Manifest.SUFFIX, "application/json", json.length);
    }

    /** The manifest as stored: the same bytes for every target, and the bytes its signature covers. */
    private static byte[] manifestBytes(BackupRun run) throws IOException {
        return JSON.writeValueAsBytes(run.manifest());
    }

    private static void name(Exchange exchange, String name, String contentType, long length) {
        exchange.setProperty(BackupProperties.STORE_NAME, name);
        exchange.setProperty(BackupProperties.STORE_TYPE, contentType);
        exchange.setProperty(BackupProperties.STORE_LENGTH, length);
    }

    public void targetStored(@ExchangeProperty(BackupProperties.RUN) BackupRun run, @ExchangeProperty(BackupProperties.TARGET) TargetSpec target) {
        String location = target.locationOf(run.objectName());
        run.stored(target, location);
        LOG.info("Backup {} stored at {}", run.id(), location);
    }

    public void targetFailed(@ExchangeProperty(BackupProperties.RUN) BackupRun run, @ExchangeProperty(BackupProperties.TARGET) TargetSpec target,
                             Exchange exchange) {
        Throwable e = exchange.getProperty(Exchange.EXCEPTION_CAUGHT, Throwable.class);
        String message = e == null ? "unknown error" : Failures.message(e);
        run.failed(target, message);
        LOG.error("Backup {} could not be stored on {}: {}", run.id(), target.describe(), message);
    }

    /** The run's report once every target has been tried; fails the run if any copy failed. */
    public BackupResult succeeded(@ExchangeProperty(BackupProperties.RUN) BackupRun run, Exchange exchange) {
        if (!run.failedAt().isEmpty()) {
            List<String> parts = new ArrayList<>();
            run.failedAt().forEach((t, msg) -> parts.add("failed on " + t + ": " + msg));
            String stored = run.storedAt().isEmpty() ? "stored nowhere" : "stored on " + String.join(", ", run.storedAt().keySet());
            throw new IllegalStateException("backup " + run.objectName() + " " + stored + "; " + String.join("; ", parts));
        }
        BackupResult result = new BackupResult(run.id(), run.databaseName(), List.copyOf(run.storedAt().values()),
                run.tablesDone(), run.rows(), run.writer().bytes(), run.manifest().storedBytes(), run.requests(),
                Duration.between(run.startedAt(), Instant.now()));
        deleteScratch(run);
        Map<String, Object> report = new LinkedHashMap<>(Map.of("run", run.id(), "database", run.databaseName(),
                "objects", result.locations(), "sqlBytes", result.sqlBytes(), "storedBytes", result.storedBytes(),
                "rows", result.rows(), "tables", result.tables(), "durationMs", result.duration().toMillis()));
        Manifest manifest = run.manifest();
        report.put("kind", manifest.kind());
        if (manifest.parent() != null) {
            report.put("parent", manifest.parent().object());
        }
        if (manifest.forcedFull() != null) {
            report.put("fullBecause", manifest.forcedFull());
        }
        exchange.setProperty(BackupProperties.REPORT, report);
        LOG.info(result.summary() + (manifest.parent() != null ? " (incremental on top of " + manifest.parent().object() + ")"
                : ""));
        return result;
    }

    /** The run's status for whoever polls it, set after the run was reported (audited, counted). */
    public void statusSucceeded(@ExchangeProperty(BackupProperties.RUN) BackupRun run, @Body BackupResult result) {
        registry.finished(run.id(), result, null);
    }

    /** Error path: close and remove scratch files; the exception still propagates to the caller. */
    public void failed(Exchange exchange) {
        BackupRun run = exchange.getProperty(BackupProperties.RUN, BackupRun.class);
        Throwable cause = exchange.getProperty(Exchange.EXCEPTION_CAUGHT, Throwable.class);
        if (run != null && !run.firstFailure(cause)) {
            // Reported already; the caller hears of that first failure, not of a table it stopped.
            if (run.failure() != null) {
                exchange.setProperty(Exchange.EXCEPTION_CAUGHT, run.failure());
            }
            exchange.removeProperty(BackupProperties.REPORT);
            return;
        }
        // The first failure may come from one table of several being read side by side (Camel hands the
        // run's own exchange no second turn here): no further table starts, none leaves a part behind.
        TableParts parts = exchange.getProperty(SqlDump.PARTS,
                TableParts.class);
        if (parts != null) {
            parts.discard(cause);
        }
        if (run != null) {
            try {
                run.writer().abort();
            } catch (IOException | UncheckedIOException ignored) {
                // the spool is deleted below either way
            }
            deleteScratch(run);
        }
        Map<String, Object> details = new LinkedHashMap<>();
        if (run != null) {
            details.put("run", run.id());
            details.put("database", run.databaseName());
            details.put("storedOn", List.copyOf(run.storedAt().values()));
            details.put("durationMs", Duration.between(run.startedAt(), Instant.now()).toMillis());
        }
        details.put("error", cause == null ? "unknown error" : Failures.message(cause));
        exchange.setProperty(BackupProperties.REPORT, details);
        LOG.error("Backup {} failed: {}", run == null ? "" : run.id(), cause == null ? "unknown error" : Failures.message(cause));
    }

    /**
     * The failed run's status for whoever polls it, set after the failure was reported; a claimed run
     * that failed before it began (a bad source) gets its reason too.
     */
    public void statusFailed(@ExchangeProperty(BackupProperties.REPORT) Map<String, Object> report, Exchange exchange) {
        BackupRun run = exchange.getProperty(BackupProperties.RUN, BackupRun.class);
        String id = run != null ? run.id() : exchange.getMessage().getHeader(RunRegistry.RUN_ID, String.class);
        if (id != null) {
            registry.finished(id, null, String.valueOf(report.get("error")));
        }
    }

    /** A name no file target holds yet: "_2" sorts after the plain name ("-2" would sort before it). */
    private static String uniqueName(BackupRun run) {
        String name = run.baseName() + run.extension();
        for (int n = 2; taken(run, name); n++) {
            name = run.baseName() + "_" + n + run.extension();
        }
        return name;
    }

    private static boolean taken(BackupRun run, String name) {
        return run.targets().stream().anyMatch(t -> t.kind().equals(TargetSpec.FILE)
                && (Files.exists(Path.of(t.location(), name)) || Files.exists(Path.of(t.location(), name + Manifest.SUFFIX))
                || Files.exists(Path.of(t.location(), name + Manifest.SIGNATURE_SUFFIX))));
    }

    private static void deleteScratch(BackupRun run) {
        // The spool, the file it was encoded into (dumpEncoding names it so before stage records it), the staged file.
        for (Path p : new Path[] {run.spool(), run.encodedFile(), run.staged()}) {
            try {
                if (p != null) {
                    Files.deleteIfExists(p);
                }
            } catch (IOException e) {
                LOG.warn("Could not delete scratch file {}: {}", p, e.getMessage());
            }
        }
    }


    static String toolVersion() {
        String v = BackupLifecycle.class.getPackage().getImplementationVersion();
        return v == null ? "dev" : v;
    }
}
