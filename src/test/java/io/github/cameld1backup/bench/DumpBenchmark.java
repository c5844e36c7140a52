package io.github.cameld1backup.bench;

import io.github.cameld1backup.model.BackupResult;
import io.github.cameld1backup.testing.Backups;
import io.github.cameld1backup.testing.WorkerdD1;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import java.util.Map;

/**
 * Benchmark (not a test): a table of N rows backed up from a SQLite file and from behind the D1
 * emulator, next to {@code sqlite3 DB .dump} on the same file. Prints requests, rows read and time.
 * Usage: bench/dump.sh [rows]
 */
public final class DumpBenchmark {

    public static void main(String[] args) throws Exception {
        int rows = args.length > 0 ? Integer.parseInt(args[0]) : 1_000_000;
        Path work = Files.createDirectories(Path.of(args.length > 1 ? args[1] : "bench/work"));
        Path db = work.resolve("rows-" + rows + ".db");
        if (!Files.exists(db)) {
            try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + db); Statement s = c.createStatement()) {
                s.execute("CREATE TABLE events (id INTEGER PRIMARY KEY, at TEXT NOT NULL, kind TEXT, amount REAL,"
                        + " big INTEGER, payload BLOB)");
                s.execute("WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < " + rows + ")"
                        + " INSERT INTO events SELECT i, datetime(1700000000 + i, 'unixepoch'), 'kind-' || (i % 17),"
                        + " i / 7.0, 9007199254740993 + i, randomblob(8) FROM n");
            }
        }
        System.out.printf("table of %,d rows, %,d bytes on disk%n", rows, Files.size(db));

        long t0 = System.nanoTime();
        Process dump = new ProcessBuilder("sqlite3", db.toString(), ".dump")
                .redirectOutput(work.resolve("sqlite3.dump.sql").toFile()).start();
        dump.waitFor();
        double sqliteSeconds = (System.nanoTime() - t0) / 1e9;
        System.out.printf("sqlite3 DB .dump          : %6.2f s, %,d bytes%n", sqliteSeconds,
                Files.size(work.resolve("sqlite3.dump.sql")));

        Path out = work.resolve("out");
        BackupResult local = Backups.run(Backups.sqlite(db), out);
        System.out.printf("backup --source sqlite     : %6.2f s, %,d bytes, %d requests (%.2fx sqlite3 .dump)%n",
                local.duration().toMillis() / 1000.0, local.sqlBytes(), local.requests(),
                local.duration().toMillis() / 1000.0 / sqliteSeconds);
        Files.delete(Path.of(local.location()));

        try (WorkerdD1 d1 = new WorkerdD1()) {
            String id = d1.addDatabase("bench", db);
            Map<String, String> settings = Backups.d1(d1, id);
            BackupResult remote = Backups.run(settings, out);
            System.out.printf("backup --source d1 (emul.) : %6.2f s, %,d bytes, %d HTTP requests, %,d rows read"
                            + " for %,d rows (%.4f per row)%n",
                    remote.duration().toMillis() / 1000.0, remote.sqlBytes(), d1.requests(), d1.rowsRead(), remote.rows(),
                    d1.rowsRead() / (double) remote.rows());
            Files.delete(Path.of(remote.location()));
        }
    }
}
