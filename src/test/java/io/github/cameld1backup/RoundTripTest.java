package io.github.cameld1backup;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.cameld1backup.config.SampleDatabase;
import io.github.cameld1backup.model.BackupResult;
import io.github.cameld1backup.testing.Backups;
import io.github.cameld1backup.testing.D1Client;
import io.github.cameld1backup.testing.WorkerdD1;
import io.github.cameld1backup.testing.DatabaseSnapshot;
import io.github.cameld1backup.testing.DumpLines;
import io.github.cameld1backup.testing.DumpRules;
import io.github.cameld1backup.testing.Fixtures;
import io.github.cameld1backup.testing.Sqlite3Cli;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * A backup restores to exactly the database it was taken from: every object, every value with its
 * storage class and bits. Each fixture is backed up from a SQLite file and from D1
 * (workerd's own engine), and each dump is restored with the stock sqlite3 shell and by a D1-style import.
 */
class RoundTripTest {

    @RegisterExtension
    static final WorkerdD1 d1 = WorkerdD1.perClass();

    @TempDir
    Path tmp;


    static Stream<Arguments> cases() {
        return Stream.of("edge_values", "schema_zoo", "large_values", "sample", "many_rows")
                .flatMap(f -> Stream.of(Arguments.of(f, "sqlite"), Arguments.of(f, "d1")));
    }

    @ParameterizedTest(name = "{0} from {1}")
    @MethodSource("cases")
    void restoresIdentically(String fixture, String source) throws Exception {
        Path db = switch (fixture) {
            case "sample" -> SampleDatabase.materialize(tmp);
            case "many_rows" -> Fixtures.manyRows(tmp, fixture, 2_000);
            default -> Fixtures.create(fixture, tmp);
        };
        TreeMap<String, List<String>> original = DatabaseSnapshot.of(db);
        Map<String, String> settings = source.equals("d1")
                ? Backups.d1(d1, d1.addDatabase(fixture, db))
                : Backups.sqlite(db);
        BackupResult result = Backups.run(Backups.smallPages(settings), tmp.resolve("backups"));
        Path dump = Path.of(result.location());

        assertThat(dump.getFileName().toString()).matches(fixture.equals("sample") ? "sample-\\d{8}T\\d{6}Z\\.sql"
                : "\\Q" + fixture + "\\E-\\d{8}T\\d{6}Z\\.sql");
        DumpRules.check(dump);
        assertRestoresExactly(dump, original);
    }

    /**
     * From a local file SQLite formats whole rows; from D1 each value comes on its own and Java builds
     * the rows. Both must write the very same dump (but for the line saying when it was taken, and the
     * digits of REALs: D1's older SQLite has quote() print 1/3 as 3.333333333333333148e-01 where 3.54
     * prints 0.33333333333333331; both read back to the same bits, which is what is compared).
     */
    @ParameterizedTest(name = "{0}")
    @MethodSource("fixtures")
    void aLocalFileAndD1GiveTheSameDump(String fixture) throws Exception {
        Path db = fixture.equals("many_rows") ? Fixtures.manyRows(tmp, fixture, 2_000) : Fixtures.create(fixture, tmp);
        Path local = Path.of(Backups.run(Backups.smallPages(Backups.sqlite(db)), tmp.resolve("local")).location());
        Path remote = Path.of(Backups.run(Backups.smallPages(Backups.d1(d1, d1.addDatabase(fixture, db))),
                tmp.resolve("remote")).location());
        List<String> a = DumpLines.comparable(local);
        List<String> b = DumpLines.comparable(remote);
        assertThat(a.subList(1, a.size())).isEqualTo(b.subList(1, b.size()));
    }

    /**
     * SQLite keeps text that is not valid UTF-8 as it was given. From a file the dump keeps those bytes
     * (as CAST(X'..' AS TEXT)) and stays valid UTF-8 itself, and such text as a key pages on exactly; a
     * carriage return or an "Inf" inside text takes the same value-by-value way.
     */
    @Test
    void textThatIsNotUtf8KeepsItsBytesFromAFile() throws Exception {
        Path db = database("bytes",
                "CREATE TABLE notes (id INTEGER PRIMARY KEY, body TEXT, other)",
                "INSERT INTO notes(body, other) VALUES (CAST(X'61FF62' AS TEXT), 'plain'),"
                        + " (CAST(X'C3' AS TEXT), 'x,Inf,y'), (CAST(X'27E282' AS TEXT), 'Zoë' || char(13)),"
                        + " ('ok', CAST(X'EDA080' AS TEXT)), ('it''s', 'Inf')",
                "CREATE TABLE tags (name TEXT PRIMARY KEY, n) WITHOUT ROWID",
                "INSERT INTO tags WITH RECURSIVE n(i) AS (SELECT 120 UNION ALL SELECT i + 1 FROM n WHERE i < 255)"
                        // 'a' and a byte: from 0x80 on not UTF-8
                        + " SELECT CAST(unhex('61' || printf('%02X', i)) AS TEXT), i FROM n");
        TreeMap<String, List<String>> original = DatabaseSnapshot.of(db);
        Path dump = dumpOf(db, "sqlite");

        StandardCharsets.UTF_8.newDecoder().decode(ByteBuffer.wrap(Files.readAllBytes(dump))); // throws if not UTF-8
        assertRestoresExactly(dump, original);
    }

    /**
     * A SQLite file may keep its text in UTF-16. Its dump is UTF-8 like any other, text holding NUL included
     * (SQLite's hex() gives the stored UTF-16 bytes; they are rewritten), and such text pages on exactly as a
     * key. Restored the usual way (a new database, in UTF-8), every value has its type and its characters.
     */
    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"UTF-16le", "UTF-16be"})
    void aDatabaseKeptInUtf16RestoresIdentically(String encoding) throws Exception {
        Path db = database("utf16",
                "PRAGMA encoding = '" + encoding + "'",
                "CREATE TABLE notes (id INTEGER PRIMARY KEY, body TEXT, other)",
                "INSERT INTO notes(body, other) VALUES ('héllo 🚀', 1.5), ('a' || char(0) || 'b', X'00FF'),"
                        + " ('line' || char(13) || char(10), 'it''s'), (char(0), 'CAST(X''00'' AS TEXT)')",
                "CREATE TABLE tags (name TEXT PRIMARY KEY, n) WITHOUT ROWID",
                "INSERT INTO tags WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 40)"
                        + " SELECT 'tag ' || i || char(0) || 'é' || char(13), i FROM n");
        Path dump = dumpOf(db, "sqlite");

        StandardCharsets.UTF_8.newDecoder().decode(ByteBuffer.wrap(Files.readAllBytes(dump))); // throws if not UTF-8
        Path restored = tmp.resolve("restored.db");
        Sqlite3Cli.load(restored, dump);
        for (String table : List.of("notes", "tags")) {
            assertThat(values(restored, table)).as(table).hasSize(table.equals("notes") ? 4 : 40)
                    .isEqualTo(values(db, table));
        }
    }

    /** A table's rows, each value as its storage class and its characters, bits or bytes, whatever the encoding. */
    private static List<String> values(Path db, String table) throws Exception {
        List<String> rows = new java.util.ArrayList<>();
        try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + db); Statement s = c.createStatement();
             java.sql.ResultSet rs = s.executeQuery("SELECT * FROM " + table + " ORDER BY 1")) {
            while (rs.next()) {
                StringBuilder row = new StringBuilder();
                for (int i = 1; i <= rs.getMetaData().getColumnCount(); i++) {
                    Object v = rs.getObject(i);
                    row.append(v instanceof String text ? "text:" + text.codePoints().boxed().toList()
                            : v instanceof byte[] blob ? "blob:" + java.util.HexFormat.of().formatHex(blob)
                            : v instanceof Double d ? "real:" + Double.doubleToRawLongBits(d)
                            : String.valueOf(v)).append(' ');
                }
                rows.add(row.toString());
            }
        }
        return rows;
    }

    /**
     * SQLite allows 2000 columns: a table of 500 is read with queries SQLite accepts (its expressions may
     * be at most 1000 deep) and restores exactly with sqlite3. Not from or into D1: D1 refuses a table of
     * over 100 columns ("too many columns", measured on workerd's D1).
     */
    @ParameterizedTest(name = "from {0}")
    @ValueSource(strings = {"sqlite"})
    void aTableOfFiveHundredColumnsRestoresIdentically(String source) throws Exception {
        Path db = tmp.resolve("wide.db");
        List<String> columns = new java.util.ArrayList<>();
        List<String> values = new java.util.ArrayList<>();
        for (int i = 0; i < 500; i++) { // a snapshot takes three result columns a column, of SQLite's 2000
            columns.add("c" + i);
            values.add(switch (i % 4) {
                case 0 -> Long.toString(9007199254740993L + i);
                case 1 -> i + ".5";
                case 2 -> "'text " + i + "'";
                default -> "X'0" + (i % 10) + "FF'";
            });
        }
        try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + db); Statement s = c.createStatement()) {
            s.execute("CREATE TABLE wide (id INTEGER PRIMARY KEY, " + String.join(", ", columns) + ")");
            for (int row = 1; row <= 3; row++) {
                s.execute("INSERT INTO wide VALUES (" + row + ", " + String.join(", ", values) + ")");
            }
        }
        TreeMap<String, List<String>> original = DatabaseSnapshot.of(db);
        assertRestoresWithSqlite3(dumpOf(db, source), original);
    }

    /**
     * Names the page queries use themselves are no trap: key columns named like the queries' own result
     * columns (t, k0, v0) still page in key order, as do negative rowids, a table named pragma_encoding does not stand in for
     * SQLite's own, and one named like the dump's staging table for large values keeps its rows. Small
     * pages, so a wrong order would skip rows.
     */
    @ParameterizedTest(name = "from {0}")
    @ValueSource(strings = {"sqlite", "d1"})
    void keysNamedLikeTheQueriesColumnsPageInOrder(String source) throws Exception {
        Path db = database("names",
                "CREATE TABLE w (t INTEGER PRIMARY KEY, v) WITHOUT ROWID",
                "CREATE TABLE pairs (k0 TEXT, v0 INTEGER, x, PRIMARY KEY (k0, v0)) WITHOUT ROWID",
                "CREATE TABLE named (rowid TEXT, _rowid_ TEXT, oid TEXT, t INTEGER PRIMARY KEY, v)",
                "CREATE TABLE pragma_encoding (encoding TEXT)",
                "INSERT INTO pragma_encoding VALUES ('UTF-16le')",
                "CREATE TABLE _camel_d1_backup_staging (n INTEGER PRIMARY KEY, v)", // the dump's own name for its
                "INSERT INTO _camel_d1_backup_staging VALUES (1, 'keep')",         // staging of large values
                "CREATE TABLE big (id INTEGER PRIMARY KEY, b)",
                "INSERT INTO big VALUES (1, randomblob(100001))",
                "INSERT INTO w WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 29)"
                        + " SELECT i, 'a' || char(0) || i FROM n",
                "INSERT INTO pairs WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 29)"
                        + " SELECT 'k' || (i % 3), i, i * 2 FROM n",
                "INSERT INTO named WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 29)"
                        + " SELECT 'r', 'u', 'o', i * 7, i FROM n",
                // Keys a local dump reads off the row's tuple: a negative INTEGER PRIMARY KEY first, negative
                // rowids written before the values; and one whose INTEGER PRIMARY KEY is not first.
                "CREATE TABLE below (id INTEGER PRIMARY KEY, v)",
                "CREATE TABLE bare (v)",
                "CREATE TABLE later (v, id INTEGER PRIMARY KEY)",
                "INSERT INTO below WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 29)"
                        + " SELECT -1000 + i * 3, i FROM n",
                "INSERT INTO bare (rowid, v) WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 29)"
                        + " SELECT -i * 11, i FROM n",
                "INSERT INTO later WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 29)"
                        + " SELECT i, 100 - i * 5 FROM n");
        TreeMap<String, List<String>> original = DatabaseSnapshot.of(db);
        assertRestoresExactly(dumpOf(db, source), original);
    }

    /**
     * R-tree tables, of REAL and of 32-bit integer coordinates (rtree_i32), come back through their own
     * CREATE VIRTUAL TABLE and rows; their internal tables are not dumped beside them (which the sqlite3
     * shell, run with -bail, would refuse as tables that already exist). Not from or into D1: D1's
     * authorizer refuses the rtree module (SQLITE_AUTH, measured on workerd's D1).
     */
    @ParameterizedTest(name = "from {0}")
    @ValueSource(strings = {"sqlite"})
    void rtreeTablesRestoreIdentically(String source) throws Exception {
        Path db = database("rtree",
                "CREATE VIRTUAL TABLE boxes USING rtree(id, min_x, max_x, min_y, max_y)",
                "CREATE VIRTUAL TABLE cells USING rtree_i32(id, x0, x1)",
                "INSERT INTO boxes VALUES (1, 0.5, 1.5, -2.25, 3), (2, 10, 20, 10, 20)",
                "INSERT INTO cells VALUES (7, -5, 5), (8, 100, 2000000000)");
        TreeMap<String, List<String>> original = DatabaseSnapshot.of(db);
        assertRestoresWithSqlite3(dumpOf(db, source), original);
    }

    /**
     * A table whose name a full-text table's module could have used for its own storage, but did not
     * (external or no content, no docsize), is the user's and is backed up with its rows; "content=" in a
     * comment or an option's quoted text does not make a full-text table external; and a view whose
     * stored SQL ends in a -- comment keeps its semicolon out of the comment. Not from or into D1: D1
     * refuses such a name ("object name reserved for internal use", measured on workerd's D1).
     */
    @ParameterizedTest(name = "from {0}")
    @ValueSource(strings = {"sqlite"})
    void tablesNamedLikeShadowTablesAndViewsEndingInACommentRestore(String source) throws Exception {
        Path db = database("lookalikes",
                "CREATE VIRTUAL TABLE f USING fts5(a, content='')",
                "CREATE TABLE f_content(x)",
                "INSERT INTO f_content VALUES (1), ('two')",
                "CREATE TABLE g_content(id INTEGER PRIMARY KEY, a)",
                "INSERT INTO g_content VALUES (1, 'hello world'), (2, 'good night')",
                "CREATE VIRTUAL TABLE g USING fts5(a, content='g_content', content_rowid='id')",
                "INSERT INTO g(g) VALUES('rebuild')",
                "CREATE TABLE 'x_docsize'(id INTEGER PRIMARY KEY, sz BLOB)", // as FTS5 writes its own
                "INSERT INTO x_docsize VALUES (1, X'01')",
                "CREATE VIRTUAL TABLE x USING fts5(a, columnsize=0)",
                "CREATE VIRTUAL TABLE z USING fts5(a, b -- ,content=zz\n)",
                "INSERT INTO z VALUES ('hello', 'w')",
                "CREATE VIRTUAL TABLE y USING fts5(a, tokenize = \"unicode61 tokenchars ',content=q'\")",
                "INSERT INTO y VALUES ('yes')",
                "CREATE VIRTUAL TABLE h USING fts3(a)",
                "CREATE TABLE h_docsize(k, v)",
                "INSERT INTO h_docsize VALUES ('k', 3)",
                "CREATE TABLE t(x)",
                "CREATE VIEW v AS SELECT x FROM t -- note\n",
                "CREATE TRIGGER tr AFTER INSERT ON t BEGIN SELECT 1; END");
        TreeMap<String, List<String>> original = DatabaseSnapshot.of(db);
        assertRestoresWithSqlite3(dumpOf(db, source), original);
        Path restored = tmp.resolve("restored-sqlite3.db");
        // The snapshot leaves names like a full-text table's storage out: compared here.
        for (String table : List.of("f_content", "g_content", "h_docsize", "x_docsize")) {
            assertThat(values(restored, table)).as(table).isNotEmpty().isEqualTo(values(db, table));
        }
        assertThat(values(restored, "(SELECT rowid FROM g WHERE g MATCH 'night')")).containsExactly("2 ");
    }

    /**
     * Rows of multi-byte text (2- and 4-byte UTF-8) sized so INSERTs fill up to D1's 100,000 bytes by a few
     * bytes: D1's own statement loop, which counts every byte it consumes for a statement, header text
     * included, accepts each statement of the dump as the tool cut it, and the rows come back exact.
     */
    @ParameterizedTest(name = "from {0}")
    @ValueSource(strings = {"sqlite", "d1"})
    void nonAsciiRowsNearTheStatementLimitLoadIntoD1(String source) throws Exception {
        String[] rows = new String[40];
        for (int i = 0; i < rows.length; i++) { // 2 + 4 bytes a pair, lengths varied so some INSERT lands at the limit
            rows[i] = "INSERT INTO \"caf\u00e9 'menu'\"(\"pr\u00eet;\") VALUES (printf('%d ', " + i
                    + ") || replace(printf('%." + (2_400 + i * 37) + "c', 'x'), 'x', '\u00e9\ud83d\ude80'))";
        }
        String[] statements = new String[rows.length + 1];
        statements[0] = "CREATE TABLE \"caf\u00e9 'menu'\" (id INTEGER PRIMARY KEY, \"pr\u00eet;\" TEXT)";
        System.arraycopy(rows, 0, statements, 1, rows.length);
        Path db = database("unicode", statements);
        TreeMap<String, List<String>> original = DatabaseSnapshot.of(db);
        assertRestoresExactly(dumpOf(db, source), original);
    }

    /**
     * Values over one statement's 100 KB are built up apart and the row goes in whole: its table's CHECK and
     * UNIQUE constraints and its columns' affinity see the row as it is, never half-built (a column of
     * INTEGER affinity would have turned a piece of digits into a number), and a WITHOUT ROWID key may be
     * that large too.
     */
    @ParameterizedTest(name = "from {0}")
    @ValueSource(strings = {"sqlite", "d1"})
    void valuesLargerThanAStatementMeetTheirTablesConstraintsWhole(String source) throws Exception {
        Path db = database("large",
                "CREATE TABLE checked (a TEXT CHECK (length(a) > 1000 AND a <> ''))",
                "INSERT INTO checked VALUES (printf('%.*c', 150000, 'x'))",
                "CREATE TABLE unique_text (a TEXT UNIQUE, b BLOB UNIQUE)",
                "INSERT INTO unique_text VALUES ('', X''), (printf('%.*c', 150000, 'y'), randomblob(150000))",
                "CREATE TABLE affinities (i INTEGER, r REAL, n NUMERIC)",
                "INSERT INTO affinities VALUES (printf('%.*c', 150000, '0') || 'x', printf('%.*c', 150000, '1') || 'x',"
                        + " printf('%.*c', 150000, '2') || char(0))",
                "CREATE TABLE big_keys (k TEXT PRIMARY KEY, v) WITHOUT ROWID",
                "INSERT INTO big_keys VALUES (printf('%.*c', 150000, 'k'), 1), ('small', printf('%.*c', 120000, 'v'))");
        TreeMap<String, List<String>> original = DatabaseSnapshot.of(db);
        assertRestoresExactly(dumpOf(db, source), original);
    }

    /** A SQLite file made by running {@code statements}. */
    private Path database(String name, String... statements) throws Exception {
        Path db = tmp.resolve(name + ".db");
        try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + db); Statement s = c.createStatement()) {
            for (String sql : statements) {
                s.execute(sql);
            }
        }
        return db;
    }

    /**
     * A backup of {@code db} in small pages, from the SQLite file or from D1
     * ({@code source} sqlite or d1); its dump checked against what D1's import demands.
     */
    private Path dumpOf(Path db, String source) throws Exception {
        Map<String, String> settings = source.equals("d1")
                ? Backups.d1(d1, d1.addDatabase("source", db))
                : Backups.sqlite(db);
        Path dump = Path.of(Backups.run(Backups.smallPages(settings), tmp.resolve("backups")).location());
        DumpRules.check(dump);
        return dump;
    }

    /** The dump restored with the stock sqlite3 shell and by a D1-style import is, each time, {@code original}. */
    private void assertRestoresExactly(Path dump, TreeMap<String, List<String>> original) throws Exception {
        assertRestoresWithSqlite3(dump, original);
        String viaD1 = d1.createDatabase("restore");
        D1Client.importDump(d1, viaD1, dump);
        assertThat(DatabaseSnapshot.of(d1, viaD1)).isEqualTo(original);
    }

    private void assertRestoresWithSqlite3(Path dump, TreeMap<String, List<String>> original) throws Exception {
        Path viaSqlite3 = tmp.resolve("restored-sqlite3.db");
        Sqlite3Cli.load(viaSqlite3, dump);
        assertThat(DatabaseSnapshot.of(viaSqlite3)).isEqualTo(original);
    }

    static Stream<String> fixtures() {
        return Stream.of("edge_values", "schema_zoo", "large_values", "many_rows");
    }
}
