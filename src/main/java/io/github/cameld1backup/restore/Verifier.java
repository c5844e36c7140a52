package io.github.cameld1backup.restore;

import io.github.cameld1backup.core.BackupProperties;
import io.github.cameld1backup.model.RestoreRun;
import io.github.cameld1backup.model.BackupRun;
import io.github.cameld1backup.config.BackupSettings;
import io.github.cameld1backup.model.ErasuresApplied;
import io.github.cameld1backup.model.Verification;
import io.github.cameld1backup.observe.AuditLog;
import io.github.cameld1backup.dump.DumpEnd;
import io.github.cameld1backup.schema.SchemaDiscovery;
import io.github.cameld1backup.source.QueryResult;
import io.github.cameld1backup.source.SqlBatch;
import io.github.cameld1backup.source.SqliteQuery;
import io.github.cameld1backup.sql.SqlText;
import io.github.cameld1backup.model.Manifest;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.LinkedHashMap;
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

    /**
     * Loop step of the verify command: body is the decoded SQL of the current link, loaded into the
     * chain's scratch database (made for the first link; each later one applies on top of it).
     */
    public void load(@Body Object sql, @ExchangeProperty(BackupProperties.RESTORE_RUN) RestoreRun run,
                     @ExchangeProperty(BackupProperties.RESTORE_CHAIN) BackupChain chain,
                     @ExchangeProperty(BackupProperties.SETTINGS) BackupSettings settings, Exchange exchange)
            throws Exception {
        try {
            if (chain.loadFailed()) {
                return;
            }
            if (chain.scratch() == null) {
                Files.createDirectories(settings.workDirectory());
                Path scratch = Files.createTempFile(settings.workDirectory(), "verify-", ".db");
                Files.delete(scratch);
                chain.scratch(scratch);
            }
            List<Verification.Check> checks = chain.checks();
            if (chain.isChain()) {
                Manifest m = run.manifest();
                String parent = m.parent() == null ? "a full backup"
                        : "on top of " + m.parent().object() + ", whose SHA-256 it recorded";
                checks.add(new Verification.Check(chain.describeLink(), true, "SHA-256 matches its manifest; " + parent
                        + "; " + run.encryption() + (run.gzip() ? ", gzip" : "")));
            }
            String label = chain.isChain() ? chain.describeLink() + " " : "";
            if (!loadInto(chain.scratch(), RestoreSteps.open(sql, exchange), !chain.first(), checks, label)) {
                chain.loadFailed(true);
            }
        } finally {
            RestoreSteps.cleanup(run);
        }
    }

    /**
     * The verify command, once every link is loaded: the scratch database's integrity, foreign keys, row
     * counts and schema against the last link's manifest (an incremental's row counts are the rowids each
     * table had when its keys were read).
     */
    public Verification verify(@ExchangeProperty(BackupProperties.RESTORE_CHAIN) BackupChain chain,
                               @ExchangeProperty(BackupProperties.ERASURES) ErasuresApplied erasures) throws Exception {
        try {
            RestoreRun last = chain.runs().get(chain.runs().size() - 1);
            Manifest manifest = last.manifest();
            List<Verification.Check> checks = new ArrayList<>();
            if (chain.isChain()) {
                checks.add(new Verification.Check("chain", true, chain.size() + " links, each parent's manifest and SHA-256"
                        + " as its child recorded: " + String.join(", then ", chain.names())));
            } else {
                checks.add(new Verification.Check("authenticated and decompressed", true, last.encryption()
                        + (last.gzip() ? ", gzip" : "")));
                checks.add(manifest == null ? new Verification.Check("manifest", false, "none found beside the backup")
                        : new Verification.Check("SHA-256 matches the manifest", true, last.sha256()));
            }
            checks.addAll(chain.checks());
            Verification report;
            if (chain.loadFailed()) {
                report = new Verification(chain.backup(), false, checks);
            } else {
                Map<String, Long> rows = manifest == null ? null : manifest.incremental() ? keys(manifest) : manifest.tables();
                if (erasures != null) {
                    // What the backup holds, less the rows the erasure ledger removed after loading.
                    checks.add(new Verification.Check("erasure ledger", true, erasures.summary()));
                    if (rows != null) {
                        Map<String, Long> less = new LinkedHashMap<>(rows);
                        erasures.rowsRemoved().forEach((table, n) -> less.computeIfPresent(table, (t, r) -> r - n));
                        rows = less;
                    }
                }
                boolean pointInTime = manifest == null || manifest.timeTravel() == null || manifest.timeTravel().consistent();
                inspect(chain.scratch(), rows, manifest != null && manifest.incremental() && !pointInTime,
                        manifest == null ? null : manifest.schemaHash(), checks);
                report = new Verification(chain.backup(), checks.stream().allMatch(Verification.Check::ok), checks);
            }
            Map<String, Object> details = new LinkedHashMap<>();
            details.put("object", chain.backup());
            if (chain.isChain()) {
                details.put("chain", chain.names());
            }
            details.put("checks", report.checks().stream().map(c -> (c.ok() ? "ok " : "FAIL ") + c.name()).toList());
            audit.record("verify", report.ok() ? "succeeded" : "failed", details);
            LOG.info(report.summary());
            return report;
        } finally {
            dropScratch(chain);
        }
    }

    /** An incremental's tables with the number of rowids they had when their keys were read. */
    private static Map<String, Long> keys(Manifest manifest) {
        Map<String, Long> out = new LinkedHashMap<>();
        if (manifest.changes() != null) {
            manifest.changes().forEach((table, change) -> {
                if (change.keys() != null) {
                    out.put(table, change.keys());
                }
            });
        }
        return out;
    }

    /** Removes the scratch database of a verify (also on its error path). */
    static void dropScratch(BackupChain chain) {
        Path scratch = chain.scratch();
        if (scratch != null) {
            try {
                Files.deleteIfExists(scratch);
                Files.deleteIfExists(scratch.resolveSibling(scratch.getFileName() + "-journal"));
            } catch (IOException e) {
                LOG.warn("Could not delete {}: {}", scratch, e.getMessage());
            }
            chain.scratch(null);
        }
    }

    /** Backup setting backup.verify: the finished dump itself, before it is stored; the result goes in the manifest. */
    public void verifyDump(@ExchangeProperty(BackupProperties.RUN) BackupRun run) throws Exception {
        if (run.incremental() != null && run.incremental().incremental()) {
            // An incremental loads only on top of its parent chain: `verify NAME` checks the whole chain.
            LOG.warn("Backup {} is an incremental: backup.verify checks full backups only; run verify on it to check"
                    + " its chain", run.id());
            return;
        }
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
            if (!loadInto(scratch, sql, false, checks, "")) {
                return new Verification(name, false, checks);
            }
            inspect(scratch, expectedRows, false, expectedHash, checks);
            return new Verification(name, checks.stream().allMatch(Verification.Check::ok), checks);
        } finally {
            Files.deleteIfExists(scratch);
        }
    }

    /** Loads one dump (on top of what {@code scratch} holds, for an incremental); false when it did not load. */
    private static boolean loadInto(Path scratch, InputStream sql, boolean onTop, List<Verification.Check> checks,
                                    String label) throws Exception {
        DumpEnd.Watch watched = new DumpEnd.Watch(sql);
        try {
            SqliteLoader loader = new SqliteLoader();
            long n = onTop ? loader.applyOnTop(watched, scratch) : loader.load(watched, scratch, false, List.of());
            checks.add(new Verification.Check(label + "restores into SQLite", true, n + " statements"));
        } catch (RuntimeException e) {
            checks.add(new Verification.Check(label + "restores into SQLite", false, e.getMessage()));
            return false;
        }
        // The end-of-dump statement, or the comment line of dumps from earlier versions: else it was cut short.
        checks.add(new Verification.Check(label + "ends with the end-of-dump line", watched.complete(), watched.complete()
                ? "complete" : "the dump was cut short"));
        return true;
    }

    /**
     * Integrity, foreign keys, row counts and schema hash of a loaded scratch database. {@code rowsMayDiffer}:
     * the expected counts come from a backup that was not one point in time, so a difference is a warning.
     */
    private static void inspect(Path scratch, Map<String, Long> expectedRows, boolean rowsMayDiffer, String expectedHash,
                                List<Verification.Check> checks) throws Exception {
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
                if (!wrong.isEmpty() && rowsMayDiffer) {
                    checks.add(new Verification.Check("row counts", true, "warning: " + String.join("; ", wrong)
                            + " (the backup was written to while it ran, so its key counts need not be one point in time)"));
                } else {
                    checks.add(new Verification.Check("row counts", wrong.isEmpty(), wrong.isEmpty()
                            ? expectedRows.size() + " tables as expected" : String.join("; ", wrong)));
                }
            }
        }
        if (expectedHash != null) {
            String hash = schemaHash(scratch);
            checks.add(new Verification.Check("schema hash", hash.equals(expectedHash), hash));
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
