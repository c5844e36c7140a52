package io.github.cameld1backup;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.github.cameld1backup.model.BackupResult;
import io.github.cameld1backup.model.Manifest;
import io.github.cameld1backup.model.Verification;
import io.github.cameld1backup.testing.Backups;
import io.github.cameld1backup.testing.WorkerdD1;
import io.github.cameld1backup.testing.DatabaseSnapshot;
import io.github.cameld1backup.testing.DumpRules;
import io.github.cameld1backup.testing.Fixtures;
import io.github.cameld1backup.testing.Sqlite3Cli;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.stream.Stream;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.core.LogEvent;
import org.apache.logging.log4j.core.LoggerContext;
import org.apache.logging.log4j.core.appender.AbstractAppender;
import org.apache.logging.log4j.core.config.Property;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Consistency of D1 backups: Time Travel bookmarks around a paged backup, and backup.mode=export,
 * which takes D1's own export (from the emulator's /export) and reorders it into a dump that
 * restores exactly.
 */
class ConsistencyTest {

    static final String KEY = "00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff";
    static final ObjectMapper JSON = new ObjectMapper();
    @RegisterExtension
    static final WorkerdD1 d1 = WorkerdD1.perClass();

    @TempDir
    Path tmp;


    /**
     * A database whose values D1's export prints exactly (text, small integers, typed REALs) restores
     * exactly from export mode. What the export cannot carry (integers past 2^53, rowids, integral REALs
     * in untyped columns) is ExportModeTest's: there the manifest must name it.
     */
    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"shop"})
    void exportModeRestoresExactly(String fixture) throws Exception {
        Path db = switch (fixture) {
            case "many_rows" -> Fixtures.manyRows(tmp, fixture, 500);
            case "shop" -> shop(tmp.resolve("shop.db"));
            default -> Fixtures.create(fixture, tmp);
        };
        String id = d1.addDatabase(fixture, db);
        TreeMap<String, List<String>> original = DatabaseSnapshot.of(db);
        String bookmark = d1.bookmark(id);
        d1.resetCounters();
        Map<String, String> settings = Backups.d1(d1, id);
        settings.put("backup.mode", "export");
        settings.put("backup.export.poll.interval", "PT0.05S");
        BackupResult result = Backups.run(settings, tmp.resolve("backups"));
        Path dump = Path.of(result.location());

        // The rows came from the export: no table was read page by page.
        assertThat(d1.log()).noneMatch(e -> e.sql().contains("LIMIT"));
        List<String> statements = DumpRules.check(dump);
        assertThat(statements).noneMatch(s -> s.contains("_cf_") || s.startsWith("PRAGMA foreign_keys")
                || s.startsWith("CREATE TABLE sqlite_sequence"));
        Path restored = tmp.resolve("restored.db");
        Sqlite3Cli.load(restored, dump);
        assertThat(DatabaseSnapshot.of(restored)).isEqualTo(original);

        Manifest manifest = manifest(dump);
        assertThat(manifest.mode()).isEqualTo("export");
        assertThat(manifest.exact()).isTrue();
        assertThat(manifest.timeTravel().consistent()).isTrue();
        assertThat(manifest.timeTravel().bookmarkBefore()).isEqualTo(bookmark).isEqualTo(manifest.timeTravel().bookmarkAfter());
        assertThat(manifest.rows()).isEqualTo(rowCount(db)).isPositive();
    }

    @Test
    void exportModeGoesThroughCompressionEncryptionAndVerifiesAndRestores() throws Exception {
        Path db = shop(tmp.resolve("shop.db"));
        TreeMap<String, List<String>> original = DatabaseSnapshot.of(db);
        Map<String, String> settings = Backups.d1(d1, d1.addDatabase("shop", db));
        settings.put("backup.mode", "export");
        settings.put("backup.export.poll.interval", "PT0.05S");
        settings.put("backup.compression", "gzip");
        settings.put("backup.encryption", "aes-256-gcm");
        settings.put("encryption.key", KEY);
        settings.put("backup.verify", "true"); // row counts and schema hash of the manifest checked against the dump
        Path backups = tmp.resolve("backups");
        String name = Path.of(Backups.run(settings, backups).location()).getFileName().toString();
        assertThat(name).endsWith(".sql.gz.enc");
        assertThat(manifest(backups.resolve(name)).verification().ok()).isTrue();

        String restoreId = d1.createDatabase("restore");
        Map<String, String> restore = new HashMap<>(Backups.d1(d1, "00000000-0000-4000-8000-000000000000"));
        restore.remove("backup.source");
        restore.put("backup.target", "file:" + backups);
        restore.put("backup.work.dir", tmp.resolve("work").toString());
        restore.put("encryption.key", KEY);
        restore.put("restore.d1.database.id", restoreId);
        try (BackupApplication app = BackupApplication.start(restore)) {
            Path intoSqlite = tmp.resolve("restored.db");
            app.restore(name, "sqlite:" + intoSqlite, false, 1);
            assertThat(DatabaseSnapshot.of(intoSqlite)).isEqualTo(original);
            app.restore(name, "d1", false, 1);
            assertThat(DatabaseSnapshot.of(d1, restoreId)).isEqualTo(original);
            Verification report = app.verify(name);
            assertThat(report.ok()).as(report.checks().toString()).isTrue();
        }
    }

    @Test
    void virtualTablesFallBackToPagedWithAWarningAndStillRestoreExactly() throws Exception {
        Path db = Fixtures.create("schema_zoo", tmp);
        TreeMap<String, List<String>> original = DatabaseSnapshot.of(db);
        Map<String, String> settings = Backups.d1(d1, d1.addDatabase("zoo", db));
        settings.put("backup.mode", "export");
        List<String> warnings = captureWarnings();
        Path dump = Path.of(Backups.run(settings, tmp.resolve("backups")).location());

        assertThat(warnings).anyMatch(w -> w.contains("has virtual tables (fts5: docs_fts, fts5: notes_fts), which D1's"
                + " export cannot dump; using paged mode"));
        assertThat(manifest(dump).mode()).isEqualTo("paged");
        Path restored = tmp.resolve("restored.db");
        Sqlite3Cli.load(restored, dump);
        assertThat(DatabaseSnapshot.of(restored)).isEqualTo(original);
    }

    @Test
    void aFailedExportFailsTheRunWithD1sMessageAndLeavesNothing() throws Exception {
        Path db = shop(tmp.resolve("shop.db"));
        String id = d1.addDatabase("shop", db);
        Map<String, String> settings = Backups.d1(d1, id);
        settings.put("backup.mode", "export");
        settings.put("backup.export.poll.interval", "PT0.05S");
        Path target = tmp.resolve("backups");
        Path work = tmp.resolve("work");
        settings.put("backup.work.dir", work.toString());
        d1.failNextExport("Export failed: D1_EXPORT_ERROR: the export could not be completed");

        assertThatThrownBy(() -> Backups.run(settings, target))
                .hasMessageContaining("D1's export of shop failed: Export failed: D1_EXPORT_ERROR: the export could"
                        + " not be completed");
        assertThat(listing(target)).isEmpty();
        assertThat(listing(work)).isEmpty();
        // Polled to its end, the export no longer blocks the database: the next backup goes through.
        assertThat(Backups.run(settings, target).rows()).isPositive();
    }

    /** An export holding a row over one statement is set aside for the paged dump; its scratch files go. */
    @Test
    void anExportedRowOverOneStatementFallsBackToPagedAndLeavesNoScratch() throws Exception {
        Map<String, String> settings = Backups.d1(d1, d1.addDatabase("large", Fixtures.create("large_values", tmp)));
        settings.put("backup.mode", "export");
        settings.put("backup.export.poll.interval", "PT0.05S");
        Path target = tmp.resolve("backups");
        Path work = tmp.resolve("work");
        settings.put("backup.work.dir", work.toString());

        List<String> warnings = captureWarnings();
        Path dump = Path.of(Backups.run(settings, target).location());

        assertThat(warnings).anyMatch(w -> w.contains("over the 100000-byte limit of one D1 statement")
                && w.contains("using paged mode"));
        assertThat(manifest(dump).mode()).isEqualTo("paged");
        assertThat(listing(work)).isEmpty();
    }

    @Test
    void aQuietPagedRunRecordsEqualBookmarks() throws Exception {
        Path db = Fixtures.manyRows(tmp, "quiet", 300);
        String id = d1.addDatabase("quiet", db);
        Path dump = Path.of(Backups.run(Backups.smallPages(Backups.d1(d1, id)), tmp.resolve("backups")).location());

        Manifest.TimeTravel tt = manifest(dump).timeTravel();
        assertThat(tt.consistent()).isTrue();
        assertThat(tt.bookmarkBefore()).isEqualTo(tt.bookmarkAfter()).isEqualTo(d1.bookmark(id));
        assertThat(manifest(dump).mode()).isEqualTo("paged");
    }

    @Test
    void writesDuringAPagedRunAreReportedWithTheBookmarkToRestore() throws Exception {
        Path db = Fixtures.manyRows(tmp, "busy", 300);
        String id = d1.addDatabase("busy", db);
        String before = d1.bookmark(id);
        d1.resetCounters();
        // A write lands between two pages of the backup, from another client of the database.
        d1.beforeRequest(n -> {
            if (n == 8) {
                d1.execute(id, "INSERT INTO items(id, name) VALUES (1000000, 'written mid-backup')");
            }
        });
        Path dump;
        try {
            dump = Path.of(Backups.run(Backups.smallPages(Backups.d1(d1, id)), tmp.resolve("backups")).location());
        } finally {
            d1.beforeRequest(n -> { });
        }
        String after = d1.bookmark(id);

        Manifest.TimeTravel tt = manifest(dump).timeTravel();
        assertThat(after).isNotEqualTo(before);
        assertThat(tt.consistent()).isFalse();
        assertThat(tt.bookmarkBefore()).isEqualTo(before);
        assertThat(tt.bookmarkAfter()).isEqualTo(after);
        assertThat(tt.note()).contains("written to while the backup ran")
                .contains("wrangler d1 time-travel restore busy --bookmark=" + after);
    }

    /** Foreign keys to a table created later, AUTOINCREMENT, an index, a view, a trigger, CR and NUL in text. */
    private static Path shop(Path file) throws Exception {
        try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + file); Statement s = c.createStatement()) {
            s.execute("CREATE TABLE orders (id INTEGER PRIMARY KEY AUTOINCREMENT, customer INTEGER NOT NULL"
                    + " REFERENCES customers(id), note TEXT, total REAL)");
            s.execute("CREATE TABLE customers (id INTEGER PRIMARY KEY, name TEXT NOT NULL, \"select\" BLOB)");
            s.execute("CREATE INDEX orders_by_customer ON orders(customer)");
            s.execute("CREATE VIEW big_orders AS SELECT * FROM orders WHERE total > 10");
            s.execute("CREATE TABLE audit (what TEXT)");
            s.execute("CREATE TRIGGER orders_audit AFTER INSERT ON orders BEGIN INSERT INTO audit VALUES ('order;"
                    + " END; ' || new.id); END");
            s.execute("INSERT INTO customers VALUES (1, 'Zoë ''quoted''', X'00FF'), (2, 'line' || char(13) || char(10)"
                    + " || 'break', NULL), (3, 'nul' || char(0) || 'inside', X'')");
            s.execute("INSERT INTO orders(customer, note, total) VALUES (1, 'VALUES (1), (2)', 10.5), (2, NULL, 20.0),"
                    + " (3, 'x', 1e308)");
            s.execute("DELETE FROM orders WHERE id = 3"); // the counter stays at 3
            s.execute("INSERT INTO audit VALUES ('kept as it was')");
        }
        return file;
    }

    private static long rowCount(Path db) throws Exception {
        long rows = 0;
        for (Map.Entry<String, List<String>> e : DatabaseSnapshot.of(db).entrySet()) {
            if (!e.getKey().startsWith("~") && !e.getKey().startsWith("sqlite_")) {
                rows += e.getValue().size();
            }
        }
        return rows;
    }

    private static Manifest manifest(Path object) throws Exception {
        return JSON.readValue(object.resolveSibling(object.getFileName() + Manifest.SUFFIX).toFile(), Manifest.class);
    }

    private static List<String> captureWarnings() {
        LoggerContext logs = (LoggerContext) LogManager.getContext(false);
        List<String> lines = new CopyOnWriteArrayList<>();
        AbstractAppender capture = new AbstractAppender("export-test-" + System.nanoTime(), null, null, false, Property.EMPTY_ARRAY) {
            @Override
            public void append(LogEvent event) {
                lines.add(event.getMessage().getFormattedMessage());
            }
        };
        capture.start();
        logs.getConfiguration().getRootLogger().addAppender(capture, org.apache.logging.log4j.Level.WARN, null);
        logs.updateLoggers();
        return lines;
    }

    private static List<Path> listing(Path dir) throws Exception {
        if (!Files.exists(dir)) {
            return List.of();
        }
        try (Stream<Path> files = Files.list(dir)) {
            return files.toList();
        }
    }
}
