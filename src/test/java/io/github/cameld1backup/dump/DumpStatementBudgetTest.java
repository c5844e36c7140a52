package io.github.cameld1backup.dump;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.github.cameld1backup.model.BackupResult;
import io.github.cameld1backup.sql.SqlDumpWriter;
import io.github.cameld1backup.sql.SqlScript;
import io.github.cameld1backup.sql.SqlText;
import io.github.cameld1backup.testing.Backups;
import io.github.cameld1backup.testing.DatabaseSnapshot;
import io.github.cameld1backup.testing.DumpRules;
import io.github.cameld1backup.testing.Sqlite3Cli;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Every statement of a dump is safe for D1's splitter, a {@code sqlite3_prepare_v3} loop over the
 * remaining text: the dump ends with a statement, not a comment; comments are a header at the top,
 * without quotes, semicolons or names; and each statement, with whatever is in front of it since the
 * previous semicolon, fits backup.statement.max.bytes, counted in UTF-8 bytes.
 */
class DumpStatementBudgetTest {

    // Names with quotes and semicolons, which a comment must never carry.
    static final String BIG = "o'brien; big";
    static final String BIG_TEXT = "na'me; é";
    static final String LOG = "emoji's;log";
    static final String LOG_KEY = "k'ey;";
    static final String LOG_TEXT = "v'a;l";
    static final String PAIRS = "pa;irs'";
    static final String PAIRS_KEY = "t;ick'et";
    static final List<String> NAMES = List.of(BIG, BIG_TEXT, LOG, LOG_KEY, LOG_TEXT, PAIRS, PAIRS_KEY, "budget");
    /** Rows of {@link BIG} this many bytes either side of the size whose INSERT is exactly the budget. */
    static final int WINDOW = 12;

    @TempDir
    Path tmp;

    @ParameterizedTest(name = "budget {0}")
    @ValueSource(ints = {100_000, 4_096})
    void everyStatementWithTheTextInFrontOfItFitsTheBudget(int budget) throws Exception {
        Path db = database(budget);
        Map<String, String> settings = Backups.smallPages(Backups.sqlite(db));
        settings.put("backup.statement.max.bytes", Integer.toString(budget));
        settings.put("backup.parallelism", "2"); // the log is cut in two: its second half is written as a part
        settings.put("backup.parallel.split.rows", "1000");
        settings.put("backup.verify", "true"); // the verifier sees the end statement
        BackupResult result = Backups.run(settings, tmp.resolve("backups"));
        Path dump = Path.of(result.location());

        List<String> statements = DumpRules.check(dump, NAMES, budget);
        String text = Files.readString(dump);
        List<Integer> sizes = DumpRules.splitterSizes(text, statements);
        // One INSERT of BIG is the budget to the byte, and the ones just over it were built up in pieces.
        assertThat(Collections.max(sizes)).isEqualTo(budget);
        assertThat(statements).anyMatch(s -> s.startsWith("CREATE TABLE IF NOT EXISTS \"" + InsertWriter.STAGING));
        assertThat(statements.get(statements.size() - 1)).isEqualTo(SqlDump.END_MARKER);
        // The log's INSERTs hold many rows each, and are filled close to the budget.
        List<Integer> logInserts = new java.util.ArrayList<>();
        for (int i = 0; i < statements.size(); i++) {
            if (statements.get(i).startsWith("INSERT INTO " + SqlText.identifier(LOG))) {
                logInserts.add(sizes.get(i));
            }
        }
        assertThat(logInserts).hasSizeGreaterThan(2);
        assertThat(Collections.max(logInserts)).isGreaterThan(budget - 64).isLessThanOrEqualTo(budget);

        Path restored = tmp.resolve("restored.db");
        Sqlite3Cli.load(restored, dump);
        assertThat(DatabaseSnapshot.of(restored)).isEqualTo(DatabaseSnapshot.of(db));
    }

    @Test
    void theHeaderCountsTowardTheFirstStatement() {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        SqlDumpWriter out = new SqlDumpWriter(bytes, 60);
        out.comment("0123456789 0123456789 0123456789"); // 36 bytes with "-- " and the line break
        assertThat(out.room()).isEqualTo(60 - 36 - 1);
        assertThatThrownBy(() -> out.statement("SELECT '" + "x".repeat(15) + "'")).hasMessageContaining("61 bytes");
        out.statement("SELECT '" + "x".repeat(14) + "'"); // 36 + 23 + 1 = 60
        assertThat(out.room()).isEqualTo(60 - 1 - 1);
        assertThatThrownBy(() -> out.comment("too late")).hasMessageContaining("header only");
    }

    @Test
    void headerCommentsLoseQuotesAndSemicolons() throws Exception {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (SqlDumpWriter out = new SqlDumpWriter(bytes, 1000)) {
            out.comment("D1's export; [x] \"y\" `z`\nnext");
            out.statement("SELECT 1");
        }
        assertThat(bytes.toString(StandardCharsets.UTF_8)).isEqualTo("-- D1s export, (x) y z next\nSELECT 1;\n");
    }

    @Test
    void aPartCountsTheLineBreakInFrontOfItsFirstStatement() {
        SqlDumpWriter part = SqlDumpWriter.part(new ByteArrayOutputStream(), 50);
        assertThat(part.room()).isEqualTo(48);
        assertThatThrownBy(() -> part.statement("x".repeat(49))).hasMessageContaining("51 bytes");
        part.statement("x".repeat(48));
        assertThatThrownBy(() -> part.comment("no")).hasMessageContaining("header only");
    }

    @Test
    void completeDumpsOfThisAndEarlierVersionsAreTold() throws Exception {
        String head = "-- camel-d1-backup dump\nPRAGMA defer_foreign_keys=TRUE;\nCREATE TABLE t(a);\n"
                + "INSERT INTO t(a) VALUES('x');\n";
        assertThat(DumpEnd.complete(head + SqlDump.END_MARKER + "\n")).isTrue();
        assertThat(DumpEnd.complete(head + SqlDump.LEGACY_END_MARKER + "\n")).as("written by earlier versions").isTrue();
        assertThat(DumpEnd.complete(head)).as("cut short").isFalse();
        assertThat(DumpEnd.complete(head.substring(0, head.length() - 5))).isFalse();
        assertThat(DumpEnd.complete("PRAGMA defer_foreign_keys=TRUE;\n")).as("the first statement is not the end").isFalse();
        assertThat(DumpEnd.complete(head + SqlDump.END_MARKER + "\nINSERT INTO t(a) VALUES(1);\n")).isFalse();

        for (String end : List.of(SqlDump.END_MARKER + "\n", SqlDump.LEGACY_END_MARKER + "\n", "")) {
            byte[] dump = (head + "INSERT INTO t(a) VALUES('" + "é".repeat(5000) + "');\n" + end)
                    .getBytes(StandardCharsets.UTF_8);
            DumpEnd.Watch watch = new DumpEnd.Watch(new ByteArrayInputStream(dump));
            try (InputStream in = watch) {
                byte[] buffer = new byte[777];
                while (in.read(buffer, 0, buffer.length) >= 0) {
                    in.read(); // a byte at a time too
                }
            }
            assertThat(watch.complete()).as(end).isEqualTo(!end.isEmpty());
        }
    }

    /** Both end markers restore: the new one is a statement without effect, the old one a comment. */
    @Test
    void bothEndMarkersLoadInTheSqlite3Shell() throws Exception {
        String head = "PRAGMA defer_foreign_keys=TRUE;\nCREATE TABLE t(a);\nINSERT INTO t(a) VALUES('x');\n";
        for (String end : List.of(SqlDump.END_MARKER, SqlDump.LEGACY_END_MARKER)) {
            Path dump = Files.writeString(tmp.resolve("dump.sql"), head + end + "\n");
            Path db = tmp.resolve((end.startsWith("--") ? "legacy" : "current") + ".db");
            Sqlite3Cli.load(db, dump); // no output, no error
            assertThat(SqlScript.split(head + end)).hasSize(end.startsWith("--") ? 3 : 4);
        }
    }

    /**
     * {@link #BIG}: one row per INSERT, their sizes around the one whose INSERT is the budget exactly;
     * {@link #LOG}: many short rows of é and emoji; {@link #PAIRS}: a few rows, WITHOUT ROWID.
     */
    private Path database(int budget) throws SQLException {
        Path db = tmp.resolve("budget.db");
        try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + db); Statement s = c.createStatement()) {
            s.execute("CREATE TABLE " + SqlText.identifier(BIG) + " (id INTEGER PRIMARY KEY, "
                    + SqlText.identifier(BIG_TEXT) + " TEXT)");
            s.execute("CREATE TABLE " + SqlText.identifier(LOG) + " (" + SqlText.identifier(LOG_KEY)
                    + " INTEGER PRIMARY KEY, " + SqlText.identifier(LOG_TEXT) + " TEXT)");
            s.execute("CREATE TABLE " + SqlText.identifier(PAIRS) + " (" + SqlText.identifier(PAIRS_KEY)
                    + " TEXT PRIMARY KEY, n) WITHOUT ROWID");
            s.execute("CREATE INDEX " + SqlText.identifier("ix'; on log") + " ON " + SqlText.identifier(LOG) + "("
                    + SqlText.identifier(LOG_TEXT) + ")");
            c.setAutoCommit(false);
            // INSERT INTO "o'brien; big"("id","na'me; é") VALUES(NN,'...'); with the line break in front
            String prefix = "INSERT INTO " + SqlText.identifier(BIG) + "(" + SqlText.identifier("id") + ","
                    + SqlText.identifier(BIG_TEXT) + ") VALUES";
            int exact = budget - 1 - SqlText.utf8Length(prefix) - "(NN,'')".length() - 1;
            try (PreparedStatement big = c.prepareStatement("INSERT INTO " + SqlText.identifier(BIG) + " VALUES (?, ?)")) {
                for (int k = -WINDOW; k <= WINDOW; k++) {
                    big.setInt(1, 50 + k); // two digits
                    big.setString(2, text(exact + k));
                    big.addBatch();
                }
                big.executeBatch();
            }
            try (PreparedStatement log = c.prepareStatement("INSERT INTO " + SqlText.identifier(LOG) + " VALUES (?, ?)")) {
                int rows = Math.max(3000, budget / 8);
                for (int i = 1; i <= rows; i++) {
                    log.setInt(1, i);
                    log.setString(2, text(i % 13));
                    log.addBatch();
                }
                log.executeBatch();
            }
            try (PreparedStatement pairs = c.prepareStatement("INSERT INTO " + SqlText.identifier(PAIRS) + " VALUES (?, ?)")) {
                for (int i = 0; i < 5; i++) {
                    pairs.setString(1, "😀é" + i);
                    pairs.setInt(2, i);
                    pairs.addBatch();
                }
                pairs.executeBatch();
            }
            c.commit();
        }
        return db;
    }

    /** Text of exactly {@code bytes} UTF-8 bytes: emoji (4 bytes) and é (2) about half and half, an 'a' for an odd count. */
    static String text(int bytes) {
        StringBuilder out = new StringBuilder();
        int emoji = bytes / 8;
        out.append("😀".repeat(emoji));
        int rest = bytes - 4 * emoji;
        out.append("é".repeat(rest / 2));
        if (rest % 2 == 1) {
            out.append('a');
        }
        assertThat(SqlText.utf8Length(out)).isEqualTo(bytes);
        return out.toString();
    }
}
