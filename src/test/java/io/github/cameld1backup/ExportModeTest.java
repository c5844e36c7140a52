package io.github.cameld1backup;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.github.cameld1backup.model.Manifest;
import io.github.cameld1backup.testing.Backups;
import io.github.cameld1backup.testing.DatabaseSnapshot;
import io.github.cameld1backup.testing.Fixtures;
import io.github.cameld1backup.testing.Sqlite3Cli;
import io.github.cameld1backup.testing.WorkerdD1;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * backup.mode=export against workerd's own export writer (the {@code dumpSql} of
 * {@code wrangler d1 export}): each backup restores to a database equal to the source, or its manifest
 * says {@code exact: false} and names every table and column whose values came back different.
 */
class ExportModeTest {

    static final ObjectMapper JSON = new ObjectMapper();
    @RegisterExtension
    static final WorkerdD1 d1 = WorkerdD1.perClass();

    @TempDir
    Path tmp;

    /** The values D1's export writer prints as JavaScript does, and the names it rewrites. */
    static Path exportValues(Path file) throws SQLException {
        try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + file); Statement s = c.createStatement()) {
            s.executeUpdate("CREATE TABLE \"dq \"\"t\"\"\" (id INTEGER PRIMARY KEY, r REAL, a, i INTEGER, t TEXT,"
                    + " g AS (id * 2), n NUMERIC)");
            s.executeUpdate("CREATE TABLE 'sq t' (k TEXT PRIMARY KEY, v REAL, w INTEGER)");
            s.executeUpdate("CREATE TABLE plain (id INTEGER PRIMARY KEY, x TEXT)");
            s.executeUpdate("INSERT INTO \"dq \"\"t\"\"\" (id, r, a, i, t, n) VALUES"
                    + " (1, 2.0, 2.0, 9007199254740993, 'one' || char(10) || 'two', 1e300),"
                    + " (2, -0.0, 1.5, -9007199254740993, 'cr' || char(13) || 'lf' || char(10) || 'both', 5e-324),"
                    + " (3, 1e300, 5e-324, 42, 'it''s \"quoted\"', 0.1),"
                    + " (4, 5e-324, 9e999, 9223372036854775807, 'back\\nslash' || char(10) || 'and a line feed', -9e999),"
                    + " (5, 9e999, -9e999, -9223372036854775808, 'only \\n, no line feed', 2.0),"
                    + " (6, 0.1, 1e21, 7, 'x', 9007199254740993)");
            s.executeUpdate("INSERT INTO 'sq t' VALUES ('a', 2.0, 9007199254740993), ('b''s', 1e300, 3),"
                    + " ('c' || char(13) || char(10), 5e-324, -1)");
            s.executeUpdate("INSERT INTO plain (x) VALUES ('x'), ('y')");
        }
        return file;
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"export_values", "edge_values", "schema_zoo_without_virtual_tables"})
    void restoresExactlyOrTheManifestNamesWhatDiffers(String fixture) throws Exception {
        Path db = switch (fixture) {
            case "export_values" -> exportValues(tmp.resolve("export_values.db"));
            case "schema_zoo_without_virtual_tables" -> withoutVirtualTables(Fixtures.create("schema_zoo", tmp));
            default -> Fixtures.create(fixture, tmp);
        };
        String id = d1.addDatabase(fixture, db);
        TreeMap<String, List<String>> source = DatabaseSnapshot.of(d1, id);
        d1.resetCounters();
        Path dump = Path.of(Backups.run(exportSettings(id), tmp.resolve("backups")).location());
        assertThat(d1.log()).as("the export itself reads the rows; nothing is read page by page")
                .noneMatch(e -> e.sql().contains("LIMIT"));

        Manifest manifest = manifest(dump);
        assertThat(manifest.mode()).isEqualTo("export");
        assertThat(manifest.exact()).isNotNull();
        Path restored = tmp.resolve("restored.db");
        Sqlite3Cli.load(restored, dump);
        TreeMap<String, List<String>> back = DatabaseSnapshot.of(restored);
        TreeSet<String> differences = differences(source, back, restored);
        if (manifest.exact()) {
            assertThat(back).isEqualTo(source);
        } else {
            assertThat(manifest.inexact()).isNotEmpty();
            for (String difference : differences) {
                assertThat(manifest.inexact()).as("the manifest announces " + difference)
                        .anyMatch(reason -> reason.startsWith(difference) || difference.endsWith(".rowid")
                                && reason.startsWith(difference.replace(".rowid", ": rowids")));
            }
        }
        // The restore into D1 gives the same database as the one into SQLite.
        String into = d1.createDatabase("restore-" + fixture);
        Map<String, String> restore = new HashMap<>(Backups.d1(d1, into));
        restore.remove("backup.source");
        restore.put("backup.target", "file:" + tmp.resolve("backups"));
        restore.put("backup.work.dir", tmp.resolve("work").toString());
        restore.put("restore.d1.database.id", into);
        try (BackupApplication app = BackupApplication.start(restore)) {
            app.restore(dump.getFileName().toString(), "d1", false, 1);
        }
        assertThat(DatabaseSnapshot.of(d1, into)).isEqualTo(back);

        if (fixture.equals("export_values")) {
            // What the export cannot know, named exactly; everything else came back as it was.
            assertThat(manifest.exact()).isFalse();
            assertThat(differences).containsExactlyInAnyOrder(
                    "\"dq \"\"t\"\"\".\"a\"", // REAL 2.0 in an untyped column, written 2: restores as INTEGER
                    "\"dq \"\"t\"\"\".\"i\"", // 9007199254740993 and 2^63-1 through a double
                    "\"dq \"\"t\"\"\".\"t\"", // back\nslash + a line feed: two line feeds after the restore
                    "\"dq \"\"t\"\"\".\"n\"", // 9007199254740993 in a NUMERIC column
                    "\"sq t\".\"w\""); // 9007199254740993 in an INTEGER column
            assertThat(String.join("\n", manifest.inexact()))
                    .contains("\"dq \"\"t\"\"\".\"i\": " + "integers past 2^53 may have been rounded")
                    .contains("\"dq \"\"t\"\"\".\"a\": integers in a column without type affinity may have been REALs")
                    .contains("\"dq \"\"t\"\"\".\"t\": text holding both line breaks and the characters \\n")
                    .doesNotContain("\"dq \"\"t\"\"\".\"r\"") // REAL column: 2, Infinity, 1e+300, 5e-324 come back exact
                    .doesNotContain("plain"); // INTEGER PRIMARY KEY: the rowids are in the export
        }
    }

    @Test
    void aTableWithoutIntegerPrimaryKeyIsNotExactWhenItsRowidsHaveGaps() throws Exception {
        Path db = tmp.resolve("gaps.db");
        try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + db); Statement s = c.createStatement()) {
            s.executeUpdate("CREATE TABLE tags (name TEXT PRIMARY KEY, n INTEGER)");
            s.executeUpdate("INSERT INTO tags VALUES ('a', 1), ('b', 2), ('c', 3)");
            s.executeUpdate("DELETE FROM tags WHERE name = 'a'");
        }
        String id = d1.addDatabase("gaps", db);
        TreeMap<String, List<String>> source = DatabaseSnapshot.of(d1, id);
        Path dump = Path.of(Backups.run(exportSettings(id), tmp.resolve("backups")).location());
        Manifest manifest = manifest(dump);
        assertThat(manifest.exact()).isFalse();
        assertThat(manifest.inexact()).containsExactly("\"tags\": rowids are renumbered from 1 (D1's export carries"
                + " no rowid, and this table has no INTEGER PRIMARY KEY to carry it)");
        Path restored = tmp.resolve("restored.db");
        Sqlite3Cli.load(restored, dump);
        assertThat(differences(source, DatabaseSnapshot.of(restored), restored)).containsExactly("\"tags\".rowid");
    }

    @Test
    void virtualTablesAreDumpedPagedAndSayWhy() throws Exception {
        Path db = Fixtures.create("schema_zoo", tmp);
        String id = d1.addDatabase("zoo", db);
        TreeMap<String, List<String>> source = DatabaseSnapshot.of(d1, id);
        Path dump = Path.of(Backups.run(exportSettings(id), tmp.resolve("backups")).location());
        Manifest manifest = manifest(dump);
        assertThat(manifest.mode()).isEqualTo("paged");
        assertThat(manifest.exact()).isNull();
        Path restored = tmp.resolve("restored.db");
        Sqlite3Cli.load(restored, dump);
        assertThat(DatabaseSnapshot.of(restored)).isEqualTo(source);
    }

    /**
     * D1's export writes a row over 100 KB as one INSERT, which D1 cannot import: the run takes the paged
     * dump instead (it builds such values up in pieces), says so, and restores exactly.
     */
    @Test
    void largeValuesOverOneStatementFallBackToPagedAndRestoreExactly() throws Exception {
        Path db = Fixtures.create("large_values", tmp);
        TreeMap<String, List<String>> original = DatabaseSnapshot.of(db);
        String id = d1.addDatabase("large", db);
        Path dump = Path.of(Backups.run(exportSettings(id), tmp.resolve("backups")).location());

        Manifest manifest = manifest(dump);
        assertThat(manifest.mode()).isEqualTo("paged");
        assertThat(manifest.exact()).isNull();
        Path restored = tmp.resolve("restored-large.db");
        Sqlite3Cli.load(restored, dump);
        assertThat(DatabaseSnapshot.of(restored)).isEqualTo(original);
    }

    private static Map<String, String> exportSettings(String id) {
        Map<String, String> settings = Backups.d1(d1, id);
        settings.put("backup.mode", "export");
        settings.put("backup.export.poll.interval", "PT0.05S");
        return settings;
    }

    private static Path withoutVirtualTables(Path db) throws SQLException {
        try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + db); Statement s = c.createStatement()) {
            List<String> drops = new ArrayList<>();
            try (ResultSet rs = s.executeQuery("SELECT type, name FROM sqlite_master WHERE type = 'trigger' AND sql LIKE"
                    + " '%_fts%' UNION ALL SELECT type, name FROM sqlite_master WHERE sql LIKE 'CREATE VIRTUAL%'")) {
                while (rs.next()) {
                    drops.add("DROP " + rs.getString(1).toUpperCase() + " \"" + rs.getString(2) + "\"");
                }
            }
            for (String drop : drops) {
                s.executeUpdate(drop);
            }
        }
        return db;
    }

    /** Table.column (or table.rowid) for every value that differs between the two snapshots. */
    private static TreeSet<String> differences(TreeMap<String, List<String>> source, TreeMap<String, List<String>> back,
                                               Path restored) throws SQLException {
        TreeSet<String> out = new TreeSet<>();
        assertThat(back.keySet()).isEqualTo(source.keySet());
        assertThat(back.get("~schema")).isEqualTo(source.get("~schema"));
        for (String table : source.keySet()) {
            if (table.equals("~schema") || source.get(table).equals(back.get(table))) {
                continue;
            }
            List<String> names = columns(restored, table);
            List<String> a = source.get(table);
            List<String> b = back.get(table);
            assertThat(b).as(table + " rows").hasSameSizeAs(a);
            for (int r = 0; r < a.size(); r++) {
                String[] x = a.get(r).split(" ");
                String[] y = b.get(r).split(" ");
                for (int i = 0; i < x.length; i++) {
                    if (!x[i].equals(y[i])) {
                        out.add(quote(table) + "." + (names.size() < x.length && i == 0 ? "rowid"
                                : quote(names.get(i - (x.length - names.size())))));
                    }
                }
            }
        }
        return out;
    }

    private static List<String> columns(Path db, String table) throws SQLException {
        List<String> names = new ArrayList<>();
        try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + db); Statement s = c.createStatement();
             ResultSet rs = s.executeQuery("PRAGMA table_xinfo(" + quote(table) + ")")) {
            while (rs.next()) {
                if (rs.getInt(7) != 1) {
                    names.add(rs.getString(2));
                }
            }
        }
        return names;
    }

    private static String quote(String name) {
        return '"' + name.replace("\"", "\"\"") + '"';
    }

    private static Manifest manifest(Path object) throws Exception {
        return JSON.readValue(object.resolveSibling(object.getFileName() + Manifest.SUFFIX).toFile(), Manifest.class);
    }
}
