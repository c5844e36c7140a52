package io.github.cameld1backup.restore;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.github.cameld1backup.config.BackupSettings;
import io.github.cameld1backup.core.BackupHeaders;
import io.github.cameld1backup.core.BackupProperties;
import io.github.cameld1backup.core.Failures;
import io.github.cameld1backup.config.TargetSpec;
import io.github.cameld1backup.model.RestoreResult;
import io.github.cameld1backup.model.RestoreRun;
import io.github.cameld1backup.observe.AuditLog;
import io.github.cameld1backup.source.D1Calls;
import io.github.cameld1backup.source.SqlBatch;
import io.github.cameld1backup.sql.SqlScript;
import io.github.cameld1backup.store.BackupNames;
import io.github.cameld1backup.store.R2Objects;
import io.github.cameld1backup.model.Manifest;
import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.DigestInputStream;
import java.security.MessageDigest;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;
import org.apache.camel.Body;
import org.apache.camel.Exchange;
import org.apache.camel.ExchangeProperty;
import org.apache.camel.ProducerTemplate;
import org.apache.camel.StreamCache;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import software.amazon.awssdk.services.s3.model.NoSuchKeyException;

/**
 * Bean for restore and verify: fetches a backup (a local file, or a name in the primary target),
 * checks it against its manifest, and after the data formats have decrypted (authenticated) and
 * decompressed it, loads it into SQLite or D1.
 */
public class RestoreSteps {

    private static final Logger LOG = LoggerFactory.getLogger(RestoreSteps.class);
    private static final ObjectMapper JSON = new ObjectMapper();

    private final R2Objects r2;
    private final AuditLog audit;
    private final Supplier<ProducerTemplate> templates;

    public RestoreSteps(R2Objects r2, AuditLog audit,
                        Supplier<ProducerTemplate> templates) {
        this.r2 = r2;
        this.audit = audit;
        this.templates = templates;
    }

    /** Body: a path or a backup name. Leaves the stored object as a File body and a {@link RestoreRun}. */
    public void fetch(@Body String backup, @ExchangeProperty(BackupProperties.SETTINGS) BackupSettings settings,
                      Exchange exchange) throws Exception {
        Path local = Path.of(backup);
        Path file;
        Manifest manifest = null;
        boolean downloaded = false;
        String name;
        if (Files.isRegularFile(local)) {
            file = local.toAbsolutePath();
            name = file.getFileName().toString();
            Path m = file.resolveSibling(name + Manifest.SUFFIX);
            manifest = Files.exists(m) ? JSON.readValue(m.toFile(), Manifest.class) : null;
        } else {
            if (!BackupNames.valid(backup)) {
                throw new IllegalArgumentException("no such file, and not a backup name: " + backup);
            }
            name = backup;
            TargetSpec target = settings.primaryTarget();
            if (target.kind().equals(TargetSpec.FILE)) {
                file = Path.of(target.location(), name);
                if (!Files.isRegularFile(file)) {
                    throw new IllegalArgumentException("no backup " + name + " in " + target.describe());
                }
                Path m = file.resolveSibling(name + Manifest.SUFFIX);
                manifest = Files.exists(m) ? JSON.readValue(m.toFile(), Manifest.class) : null;
            } else {
                Files.createDirectories(settings.workDirectory());
                file = Files.createTempFile(settings.workDirectory(), "restore-", "-" + name);
                file.toFile().deleteOnExit();
                downloaded = true;
                try {
                    Files.delete(file);
                    // aws2-s3's getObject: its stream goes to the file as it arrives, never whole in memory
                    try (InputStream in = r2.open(target.location(), target.prefix() + name)) {
                        Files.copy(in, file);
                    }
                    manifest = JSON.readValue(r2.read(target.location(), target.prefix() + name + Manifest.SUFFIX),
                            Manifest.class);
                } catch (NoSuchKeyException e) {
                    if (!Files.exists(file)) {
                        throw new IllegalArgumentException("no backup " + name + " in " + target.describe());
                    }
                }
            }
        }
        String sha256 = sha256(file);
        RestoreRun run = new RestoreRun(name, file, downloaded, manifest, sha256);
        exchange.setProperty(BackupProperties.RESTORE_RUN, run);
        if (manifest != null && !sha256.equals(manifest.sha256())) {
            throw new RestoreException("the stored object " + name + " does not match its manifest (SHA-256 differs):"
                    + " it was altered or cut short; nothing was restored");
        }
        exchange.getMessage().setBody(file.toFile());
    }

    /** Body: the plain SQL (authenticated and decompressed by now). */
    public RestoreResult load(@Body Object sql, @ExchangeProperty(BackupProperties.RESTORE_RUN) RestoreRun run,
                              @ExchangeProperty(BackupProperties.SETTINGS) BackupSettings settings, Exchange exchange)
            throws Exception {
        String to = exchange.getMessage().getHeader(BackupHeaders.RESTORE_TO, String.class);
        boolean replace = exchange.getMessage().getHeader(BackupHeaders.RESTORE_REPLACE, false, Boolean.class);
        long resumeFrom = exchange.getMessage().getHeader(BackupHeaders.RESTORE_RESUME_FROM, 1L, Long.class);
        Instant start = Instant.now();
        List<CreatedObject> created = replace ? created(open(sql, exchange)) : List.of();
        RestoreResult result;
        if (to != null && to.toLowerCase().startsWith("sqlite:") && to.length() > 7) {
            Path db = Path.of(to.substring(7)).toAbsolutePath();
            if (resumeFrom > 1) {
                throw new IllegalArgumentException("--resume-from is for D1: a SQLite restore is all or nothing");
            }
            long n = new SqliteLoader().load(open(sql, exchange), db, replace, created);
            result = new RestoreResult(run.name(), "sqlite:" + db, n, 0, Duration.between(start, Instant.now()));
        } else if ("d1".equalsIgnoreCase(to)) {
            String database = settings.restoreD1DatabaseId();
            ProducerTemplate template = templates.get();
            // Before the first request: what D1 would refuse half-way (columns, row and value sizes).
            D1Limits.check(open(sql, exchange), settings.maxStatementBytes());
            D1Loader.Sender sender = new D1Loader.Sender() {
                @Override
                public void send(List<String> statements, D1Calls.CommitCheck check) {
                    execute(template, settings, database, statements, check);
                }

                @Override
                public List<Map<String, Object>> read(String query) {
                    return execute(template, settings, database, List.of(query), null);
                }
            };
            List<String> before = new ArrayList<>();
            if (resumeFrom <= 1) {
                // The progress table of a restore cut short is no content of the database.
                List<Map<String, Object>> existing = sender.read(
                        "SELECT type || ' ' || name AS object FROM sqlite_master WHERE name NOT LIKE 'sqlite\\_%' ESCAPE '\\'"
                                + " AND name NOT LIKE '\\_cf\\_%' ESCAPE '\\' AND name <> '" + D1Loader.PROGRESS + "'");
                if (!existing.isEmpty()) {
                    if (!replace) {
                        throw new RestoreException("the target D1 database is not empty (" + existing.size()
                                + " objects, e.g. " + existing.get(0).get("object") + "): restore into an empty database,"
                                + " or give --replace to drop what the backup recreates");
                    }
                    before.addAll(SqliteLoader.dropsFor(created));
                }
            }
            D1Loader loader = new D1Loader(sender, settings.restoreRequestBytes(), settings.restoreRequestStatements(),
                    settings.maxStatementBytes());
            long n = loader.load(open(sql, exchange), resumeFrom, before, LOG::info);
            result = new RestoreResult(run.name(), "d1:" + database, n - resumeFrom + 1, loader.requests(),
                    Duration.between(start, Instant.now()));
        } else {
            throw new IllegalArgumentException("--to must be sqlite:PATH or d1, got '" + to + "'");
        }
        cleanup(run);
        audit.record("restore", "succeeded", Map.of("object", run.name(), "target", result.target(), "statements",
                result.statements(), "requests", result.requests(), "durationMs", result.duration().toMillis()));
        LOG.info(result.summary());
        return result;
    }

    @SuppressWarnings("unchecked")
    private static List<Map<String, Object>> execute(ProducerTemplate template, BackupSettings settings, String database,
                                                     List<String> statements, D1Calls.CommitCheck check) {
        Exchange answer = template.send("direct:d1-execute", e -> {
            e.setProperty(BackupProperties.SETTINGS, settings);
            e.setProperty("d1DatabaseId", database);
            if (check != null) {
                e.setProperty(D1Calls.COMMITTED, check); // a write: resent only once known not to have committed
            }
            e.getMessage().setBody(new SqlBatch(statements));
        });
        if (answer.getException() != null) {
            throw answer.getException() instanceof RuntimeException r ? r : new IllegalStateException(answer.getException());
        }
        return answer.getMessage().getBody(List.class);
    }

    /** Error path of restore and verify: remove a downloaded copy. */
    public void failed(Exchange exchange) {
        RestoreRun run = exchange.getProperty(BackupProperties.RESTORE_RUN, RestoreRun.class);
        if (run != null) {
            cleanup(run);
        }
        Throwable cause = exchange.getProperty(Exchange.EXCEPTION_CAUGHT, Throwable.class);
        Map<String, Object> details = new LinkedHashMap<>();
        details.put("object", run == null ? exchange.getMessage().getBody(String.class) : run.name());
        details.put("target", exchange.getMessage().getHeader(BackupHeaders.RESTORE_TO, String.class));
        details.put("error", cause == null ? "unknown error" : Failures.message(cause));
        audit.record(exchange.getFromRouteId(), "failed", details);
    }

    static void cleanup(RestoreRun run) {
        if (run.downloaded()) {
            try {
                Files.deleteIfExists(run.file());
            } catch (IOException e) {
                LOG.warn("Could not delete {}: {}", run.file(), e.getMessage());
            }
        }
    }

    /** The decoded SQL, readable again from the start (a spooled stream cache or a file). */
    static InputStream open(Object sql, Exchange exchange) throws IOException {
        if (sql instanceof StreamCache cache) {
            cache.reset();
        }
        if (sql instanceof File f) {
            return Files.newInputStream(f.toPath());
        }
        return exchange.getContext().getTypeConverter().convertTo(InputStream.class, exchange, sql);
    }

    static List<CreatedObject> created(InputStream sql) {
        List<CreatedObject> out = new ArrayList<>();
        SqlScript script = new SqlScript(new InputStreamReader(sql, StandardCharsets.UTF_8));
        script.forEachRemaining(s -> CreatedObject.of(s).ifPresent(out::add));
        return out;
    }

    static String sha256(Path file) throws Exception {
        MessageDigest digest = MessageDigest.getInstance("SHA-256");
        try (InputStream in = new DigestInputStream(Files.newInputStream(file), digest)) {
            in.transferTo(OutputStream.nullOutputStream());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return HexFormat.of().formatHex(digest.digest());
    }
}
