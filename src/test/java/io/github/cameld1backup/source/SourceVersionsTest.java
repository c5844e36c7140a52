package io.github.cameld1backup.source;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** SQLite files' versions, on real files written by sqlite-jdbc. */
class SourceVersionsTest {

    @TempDir
    Path tmp;

    private static void sql(Path db, String... statements) throws SQLException {
        try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + db); Statement s = c.createStatement()) {
            for (String statement : statements) {
                s.execute(statement);
            }
        }
    }

    @Test
    void rollbackJournalFilesAreVersionedByTheirChangeCounter() throws Exception {
        Path db = tmp.resolve("a.db");
        sql(db, "CREATE TABLE t(id INTEGER PRIMARY KEY, v TEXT)", "INSERT INTO t VALUES (1, 'one')");
        String first = SourceVersions.sqlite(db);
        assertThat(first).startsWith("sqlite-counter:");

        // Reading (as a backup does) changes nothing.
        new SqliteQuery().query(new SqlBatch(List.of("SELECT * FROM t", "SELECT count(*) FROM sqlite_master")),
                db.toString());
        assertThat(SourceVersions.sqlite(db)).isEqualTo(first);

        // A write that keeps the file's size, with its modification time put back, still changes the version.
        FileTime modified = Files.getLastModifiedTime(db);
        long size = Files.size(db);
        sql(db, "UPDATE t SET v = 'eno' WHERE id = 1");
        Files.setLastModifiedTime(db, modified);
        assertThat(Files.size(db)).isEqualTo(size);
        String second = SourceVersions.sqlite(db);
        assertThat(second).startsWith("sqlite-counter:").isNotEqualTo(first);
        assertThat(SourceVersions.sqlite(db)).isEqualTo(second);
    }

    @Test
    void aFileReplacedByAnotherDatabaseWithTheSameCounterAndSizeIsAnotherVersion() throws Exception {
        Path a = tmp.resolve("a.db");
        Path b = tmp.resolve("b.db");
        sql(a, "CREATE TABLE t(v TEXT)", "INSERT INTO t VALUES ('a')");
        sql(b, "CREATE TABLE t(v TEXT)", "INSERT INTO t VALUES ('b')");
        String before = SourceVersions.sqlite(a);
        Thread.sleep(20); // a later modification time
        Files.write(a, Files.readAllBytes(b));
        assertThat(SourceVersions.sqlite(a)).isNotEqualTo(before);
    }

    @Test
    void walModeFilesAreVersionedByTheirContentIncludingTheWal() throws Exception {
        Path db = tmp.resolve("w.db");
        sql(db, "PRAGMA journal_mode=WAL", "CREATE TABLE t(id INTEGER PRIMARY KEY, v TEXT)",
                "INSERT INTO t VALUES (1, 'one')");
        String closed = SourceVersions.sqlite(db);
        assertThat(closed).startsWith("sqlite-sha256:");
        assertThat(SourceVersions.sqlite(db)).isEqualTo(closed);

        // A writer keeps its connection open: its commits stay in the -wal file, the database file unchanged.
        try (Connection writer = DriverManager.getConnection("jdbc:sqlite:" + db);
             Statement s = writer.createStatement()) {
            s.execute("PRAGMA wal_autocheckpoint=0");
            byte[] file = Files.readAllBytes(db);
            s.execute("INSERT INTO t VALUES (2, 'two')");
            assertThat(Files.readAllBytes(db)).as("the commit is in the -wal file only").isEqualTo(file);
            String withWal = SourceVersions.sqlite(db);
            assertThat(withWal).startsWith("sqlite-sha256:").isNotEqualTo(closed);
            new SqliteQuery().query(new SqlBatch(List.of("SELECT * FROM t")), db.toString());
            assertThat(SourceVersions.sqlite(db)).as("no write, no change").isEqualTo(withWal);
            s.execute("UPDATE t SET v = 'owt' WHERE id = 2");
            assertThat(SourceVersions.sqlite(db)).isNotEqualTo(withWal);
        }
    }
}
