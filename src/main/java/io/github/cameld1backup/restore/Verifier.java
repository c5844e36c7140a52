package io.github.cameld1backup.restore;

import io.github.cameld1backup.core.BackupProperties;
import io.github.cameld1backup.model.RestoreRun;
import io.github.cameld1backup.model.BackupRun;
import io.github.cameld1backup.config.BackupSettings;
import io.github.cameld1backup.model.Verification;
import io.github.cameld1backup.observe.AuditLog;
import io.github.cameld1backup.dump.DumpEnd;
import io.github.cameld1backup.schema.SchemaDiscovery;
import io.github.cameld1backup.source.QueryResult;
import io.github.cameld1backup.source.SqlBatch;
import io.github.cameld1backup.source.SqliteQuery;
import io.github.cameld1backup.sql.SqlText;
import io.github.cameld1backup.model.Manifest;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.camel.Body;
import org.apache.camel.Exchange;
import org.apache.camel.ExchangeProperty;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Bean that proves a backup restores: loads it into a scratch SQLite database, runs
 * {@code PRAGMA integrity_check} and {@code foreign_key_check}, and compares row counts and the
 * schema hash with what the backup says it holds.
 */
public class Verifier {

    private static final Logger LOG = LoggerFactory.getLogger(Verifier.class);
    private final AuditLog audit;

    public Verifier(AuditLog audit) {
        this.audit = audit;
    }

    /** The verify command: body is the decoded SQL of a fetched backup. */
    public Verification verify(@Body Object sql, @ExchangeProperty(BackupProperties.RESTORE_RUN) RestoreRun run,
                         @ExchangeProperty(BackupProperties.SETTINGS)
                         BackupSettings settings, Exchange exchange) throws Exception {
        List<Verification.Check> checks = new ArrayList<>();
        Manifest manifest = run.manifest();
        checks.add(new Verification.Check("authenticated and decompressed", true, run.encryption() + (run.gzip() ? ", gzip" : "")));
        checks.add(manifest == null ? new Verification.Check("manifest", false, "none found beside the backup")
                : new Verification.Check("SHA-256 matches the manifest", true, run.sha256()));
        Verification report = check(settings.workDirectory(), run.name(), RestoreSteps.open(sql, exchange),
                manifest == null ? null : manifest.tables(), manifest == null ? null : manifest.schemaHash(), checks);
        RestoreSteps.cleanup(run);
        audit.record("verify", report.ok() ? "succeeded" : "failed", Map.of("object", run.name(), "checks",
                report.checks().stream().map(c -> (c.ok() ? "ok " : "FAIL ") + c.name()).toList()));
        LOG.info(report.summary());
        return report;
    }

    /** Backup setting backup.verify: the finished dump itself, before it is stored; the result goes in the manifest. */
    public void verifyDump(@ExchangeProperty(BackupProperties.RUN) BackupRun run) throws Exception {
        try (InputStream sql = Files.newInputStream(run.spool())) {
            Verification report = check(run.settings().workDirectory(), run.objectNameOrBase(), sql, run.tableRows(),
                    run.schema().hash(), new ArrayList<>());
            run.verification(report);
            if (!report.ok()) {
                throw new RestoreException("the backup does not verify, so it was not stored:\n" + report.summary());
            }
            LOG.info("Backup {} verified: it restores, with every table's rows and the schema intact", run.id());
        }
    }

    /** Loads the SQL into a scratch database in {@code workDirectory} (the database's own) and checks it. */
    private Verification check(Path workDirectory, String name, InputStream sql, Map<String, Long> expectedRows,
                         String expectedHash, List<Verification.Check> checks) throws Exception {
        Files.createDirectories(workDirectory);
        Path scratch = Files.createTempFile(workDirectory, "verify-", ".db");
        try {
            Files.delete(scratch);
            DumpEnd.Watch watched = new DumpEnd.Watch(sql);
            try {
                long n = new SqliteLoader().load(watched, scratch, false, List.of());
                checks.add(new Verification.Check("restores into SQLite", true, n + " statements"));
            } catch (RuntimeException e) {
                checks.add(new Verification.Check("restores into SQLite", false, e.getMessage()));
                return new Verification(name, false, checks);
            }
            // The end-of-dump statement, or the comment line of dumps from earlier versions: else it was cut short.
            checks.add(new Verification.Check("ends with the end-of-dump line", watched.complete(), watched.complete()
                    ? "complete" : "the dump was cut short"));
            try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + scratch); Statement s = c.createStatement()) {
                try (ResultSet rs = s.executeQuery("PRAGMA integrity_check")) {
                    String result = rs.next() ? rs.getString(1) : "no answer";
                    checks.add(new Verification.Check("integrity_check", "ok".equals(result), result));
                }
                int violations = 0;
                try (ResultSet rs = s.executeQuery("PRAGMA foreign_key_check")) {
                    while (rs.next()) {
                        violations++;
                    }
                }
                checks.add(new Verification.Check("foreign_key_check", violations == 0, violations + " violations"));
                if (expectedRows != null) {
                    List<String> wrong = new ArrayList<>();
                    for (Map.Entry<String, Long> t : expectedRows.entrySet()) {
                        try (ResultSet rs = s.executeQuery("SELECT count(*) FROM " + SqlText.identifier(t.getKey()))) {
                            long rows = rs.getLong(1);
                            if (rows != t.getValue()) {
                                wrong.add(t.getKey() + " has " + rows + ", expected " + t.getValue());
                            }
                        } catch (SQLException e) {
                            wrong.add(t.getKey() + " is missing");
                        }
                    }
                    checks.add(new Verification.Check("row counts", wrong.isEmpty(), wrong.isEmpty()
                            ? expectedRows.size() + " tables as expected" : String.join("; ", wrong)));
                }
            }
            if (expectedHash != null) {
                String hash = schemaHash(scratch);
                checks.add(new Verification.Check("schema hash", hash.equals(expectedHash), hash));
            }
            return new Verification(name, checks.stream().allMatch(Verification.Check::ok), checks);
        } finally {
            Files.deleteIfExists(scratch);
        }
    }

    /** The restored schema's hash, discovered the way a backup discovers it. */
    static String schemaHash(Path db) throws Exception {
        SqliteQuery query = new SqliteQuery();
        SchemaDiscovery discovery = new SchemaDiscovery();
        SchemaDiscovery.Catalog catalog = discovery.catalog(query.query(discovery.masterQuery(), db.toString()));
        List<List<QueryResult>> details = new ArrayList<>();
        for (SqlBatch batch : discovery.detailQueries(catalog)) {
            details.add(query.query(batch, db.toString()));
        }
        return discovery.schema(catalog, details).hash();
    }
}
