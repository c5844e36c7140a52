package io.github.cameld1backup;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.github.cameld1backup.restore.D1Loader;
import io.github.cameld1backup.restore.RestoreException;
import io.github.cameld1backup.model.RestoreResult;
import io.github.cameld1backup.testing.Backups;
import io.github.cameld1backup.testing.DatabaseSnapshot;
import io.github.cameld1backup.testing.Fixtures;
import io.github.cameld1backup.testing.WorkerdD1;
import io.github.cameld1backup.testing.WorkerdD1.Fault;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.Statement;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * Restores into D1 whose answers are lost after D1 committed: every write still applies exactly once
 * (a value over 100 KB built up with {@code UPDATE ... SET v = v || piece} would otherwise get a piece
 * twice). Also: SQL errors fail at once, and what D1 would refuse half-way is refused before any write.
 */
class RestoreRetryTest {

    @RegisterExtension
    static final WorkerdD1 d1 = WorkerdD1.perClass();

    @TempDir
    Path tmp;

    private Map<String, String> restoreSettings(String restoreId) {
        Map<String, String> s = new HashMap<>(Backups.d1(d1, "00000000-0000-4000-8000-000000000000"));
        s.remove("backup.source");
        s.put("backup.target", "file:" + tmp.resolve("unused"));
        s.put("backup.work.dir", tmp.resolve("work").toString());
        s.put("restore.d1.database.id", restoreId);
        s.put("d1.retry.delay", "PT0.01S");
        return s;
    }

    private Path dumpOf(Path db) throws Exception {
        return Path.of(Backups.run(Backups.sqlite(db), tmp.resolve("backups")).location());
    }

    @Test
    void answersLostAfterD1CommittedAreNotAppliedTwice() throws Exception {
        Path source = Fixtures.create("large_values", tmp);
        Path dump = dumpOf(source);
        assertThat(Files.readString(dump)).contains(" || "); // values are built up piece by piece
        String restoreId = d1.createDatabase("restore");
        Map<String, String> s = restoreSettings(restoreId);
        s.put("restore.d1.request.statements", "1"); // one statement a request: every piece is a write of its own
        try (BackupApplication app = BackupApplication.start(s)) {
            d1.resetCounters();
            // Every other request: D1 runs and commits it, then the answer is reset or cut short.
            d1.faults(n -> n % 4 == 2 ? Fault.of(Fault.Kind.RESET) : n % 4 == 0 ? Fault.of(Fault.Kind.TRUNCATED_JSON) : null);
            RestoreResult result = app.restore(dump.toString(), "d1", false, 1);
            d1.faults(n -> null);
            assertThat(result.requests()).isPositive();
        }
        assertThat(DatabaseSnapshot.of(d1, restoreId)).isEqualTo(DatabaseSnapshot.of(source));
        assertThat(d1.rows(restoreId, "SELECT name FROM sqlite_master WHERE name = '" + D1Loader.PROGRESS + "'")).isEmpty();
    }

    @Test
    void aWriteWhoseAnswerWasLostIsResentWhenItDidNotCommit() throws Exception {
        Path source = Fixtures.create("large_values", tmp);
        Path dump = dumpOf(source);
        String restoreId = d1.createDatabase("restore");
        Map<String, String> s = restoreSettings(restoreId);
        s.put("restore.d1.request.statements", "1");
        try (BackupApplication app = BackupApplication.start(s)) {
            d1.resetCounters();
            // Cut off before D1 (never ran) and 503s: the check finds nothing, the write goes again.
            d1.faults(n -> n % 3 == 2 ? Fault.of(Fault.Kind.CUT_OFF) : n % 5 == 3 ? Fault.status(503, "unavailable") : null);
            app.restore(dump.toString(), "d1", false, 1);
            d1.faults(n -> null);
        }
        assertThat(DatabaseSnapshot.of(d1, restoreId)).isEqualTo(DatabaseSnapshot.of(source));
    }

    @Test
    void anSqlErrorNamingATableLikeD1sWordsFailsAtOnce() throws Exception {
        Path dump = tmp.resolve("password_resets.sql");
        Files.writeString(dump, "CREATE TABLE reset_tokens (id INTEGER PRIMARY KEY);\n"
                + "INSERT INTO password_resets VALUES (1);\n");
        String restoreId = d1.createDatabase("restore");
        Map<String, String> s = restoreSettings(restoreId);
        s.put("d1.retry.delay", "PT5S");
        try (BackupApplication app = BackupApplication.start(s)) {
            d1.resetCounters();
            long started = System.nanoTime();
            assertThatThrownBy(() -> app.restore(dump.toString(), "d1", false, 1))
                    .hasMessageContaining("no such table: password_resets")
                    .hasMessageContaining("statement 2");
            assertThat((System.nanoTime() - started) / 1_000_000).as("no backoff waited").isLessThan(4000);
        }
        // The request holding both statements fails once, its second half once: each request sent once, no retries.
        long sentWithIt = d1.log().stream().filter(e -> e.sql().contains("password_resets")).count();
        assertThat(sentWithIt).isLessThanOrEqualTo(2);
        assertThat(d1.requests()).as("read, progress table, the request, each half, drop").isLessThanOrEqualTo(6);
    }

    @Test
    void aTableOfMoreThan100ColumnsIsRefusedBeforeAnyWrite() throws Exception {
        Path db = tmp.resolve("wide.db");
        try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + db); Statement st = c.createStatement()) {
            StringBuilder create = new StringBuilder("CREATE TABLE wide (id INTEGER PRIMARY KEY");
            for (int i = 1; i <= 100; i++) {
                create.append(", c").append(i).append(" TEXT DEFAULT 'a,b'");
            }
            st.execute(create.append(")").toString());
            st.execute("CREATE TABLE fine (id INTEGER PRIMARY KEY, v TEXT)");
            st.execute("INSERT INTO wide (id) VALUES (1)");
        }
        assertRefusedUntouched(db, "table wide has 101 columns, over D1's limit of 100 columns per table");
    }

    @Test
    void aValueOver2MbIsRefusedBeforeAnyWrite() throws Exception {
        Path db = tmp.resolve("big.db");
        try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + db); Statement st = c.createStatement()) {
            st.execute("CREATE TABLE first (id INTEGER PRIMARY KEY, v TEXT)");
            st.execute("INSERT INTO first VALUES (1, 'small')");
            st.execute("CREATE TABLE docs (id INTEGER PRIMARY KEY, body BLOB)");
            try (PreparedStatement p = c.prepareStatement("INSERT INTO docs VALUES (1, ?)")) {
                p.setBytes(1, new byte[2_100_000]);
                p.execute();
            }
        }
        assertRefusedUntouched(db, "table docs: a value of 2100000 bytes, over D1's limit of 2000000 bytes");
    }

    @Test
    void aRowOver2MbIsRefusedBeforeAnyWrite() throws Exception {
        Path db = tmp.resolve("row.db");
        try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + db); Statement st = c.createStatement()) {
            st.execute("CREATE TABLE pairs (id INTEGER PRIMARY KEY, a TEXT, b TEXT)");
            st.execute("INSERT INTO pairs VALUES (1, printf('%.*c', 1100000, 'a'), printf('%.*c', 1100000, 'b'))");
        }
        assertRefusedUntouched(db, "table pairs: a row of 2200000 bytes, over D1's limit of 2000000 bytes per row");
    }

    private void assertRefusedUntouched(Path db, String message) throws Exception {
        Path dump = dumpOf(db);
        String restoreId = d1.createDatabase("restore");
        try (BackupApplication app = BackupApplication.start(restoreSettings(restoreId))) {
            d1.resetCounters();
            assertThatThrownBy(() -> app.restore(dump.toString(), "d1", false, 1))
                    .isInstanceOf(RestoreException.class)
                    .hasMessageContaining(message)
                    .hasMessageContaining("nothing was restored");
            assertThat(d1.requests()).as("not one request to D1").isZero();
        }
        List<List<Object>> objects = d1.rows(restoreId,
                "SELECT name FROM sqlite_master WHERE name NOT LIKE '\\_cf\\_%' ESCAPE '\\'");
        assertThat(objects).isEmpty();
    }
}
