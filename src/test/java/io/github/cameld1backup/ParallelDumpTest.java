package io.github.cameld1backup;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.cameld1backup.model.BackupResult;
import io.github.cameld1backup.source.D1Exception;
import io.github.cameld1backup.testing.Backups;
import io.github.cameld1backup.testing.D1Client;
import io.github.cameld1backup.testing.WorkerdD1;
import io.github.cameld1backup.testing.DatabaseSnapshot;
import io.github.cameld1backup.testing.DumpLines;
import io.github.cameld1backup.testing.Fixtures;
import io.github.cameld1backup.testing.Sqlite3Cli;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Tables dumped in parallel give the very dump a sequential run gives, and no more requests at once than allowed. */
class ParallelDumpTest {

    @TempDir
    Path tmp;

    @Test
    void parallelDumpIsTheSequentialDumpByteForByteAndRestoresExactly() throws Exception {
        Path db = Fixtures.create("schema_zoo", tmp);
        addTables(db, 6, 400);
        TreeMap<String, List<String>> original = DatabaseSnapshot.of(db);

        Path sequential = dump(Backups.sqlite(db), "1", "sequential");
        Path parallel = dump(Backups.sqlite(db), "4", "parallel");
        // Tables waiting for their turn in scratch files, not memory: from the first byte, and past 64 KiB;
        // with little or no room at all, tables wait, then write into the dump when their turn comes.
        Path spilled = dump(Backups.sqlite(db), "4", "spilled", "0", "1073741824");
        Path halfSpilled = dump(Backups.sqlite(db), "4", "half-spilled", "65536", "1073741824");
        Path tight = dump(Backups.sqlite(db), "4", "tight", "65536", "131072");
        Path noRoom = dump(Backups.sqlite(db), "4", "no-room", "0", "0");

        assertThat(withoutTimestamp(parallel)).isEqualTo(withoutTimestamp(sequential));
        for (Path other : List.of(spilled, halfSpilled, tight, noRoom)) {
            assertThat(withoutTimestamp(other)).as(other.toString()).isEqualTo(withoutTimestamp(sequential));
        }
        for (String run : List.of("parallel", "spilled", "half-spilled", "tight", "no-room")) {
            assertThat(Files.list(tmp.resolve(run + "-work")).toList()).as(run).isEmpty(); // no part files left
        }
        Path restored = tmp.resolve("restored.db");
        Sqlite3Cli.load(restored, parallel);
        assertThat(DatabaseSnapshot.of(restored)).isEqualTo(original);
    }

    @Test
    void largeTablesAreReadInRowidSegmentsAtOnceAndWrittenInRowidOrder() throws Exception {
        Path db = tmp.resolve("large.db");
        addTables(db, 3, 2000); // 6,000, 4,000 and 2,000 rows
        try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + db); Statement s = c.createStatement()) {
            s.execute("DELETE FROM t0 WHERE id % 7 = 0 OR id BETWEEN 1000 AND 2500"); // gaps in the rowids
            s.execute("INSERT INTO t0 VALUES (-5, 'below zero', 1.5, X'00'), (9007199254740993, 'far', 2.5, NULL)");
        }
        TreeMap<String, List<String>> original = DatabaseSnapshot.of(db);
        long rows;
        try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + db); Statement s = c.createStatement();
             java.sql.ResultSet r = s.executeQuery("SELECT (SELECT count(*) FROM t0) + (SELECT count(*) FROM t1)"
                     + " + (SELECT count(*) FROM t2)")) {
            r.next();
            rows = r.getLong(1);
        }
        Map<String, String> segmented = Backups.smallPages(Backups.sqlite(db));
        segmented.put("backup.parallel.split.rows", "1000");
        segmented.put("backup.parallelism", "4");
        segmented.put("backup.work.dir", tmp.resolve("segmented-work").toString());
        BackupResult result = Backups.run(segmented, tmp.resolve("segmented"));
        Path dump = Path.of(result.location());

        assertThat(result.rows()).isEqualTo(rows);
        // Rows in rowid order: joined into one INSERT per table, the dump is the sequential run's.
        assertThat(joinedInserts(dump)).isEqualTo(joinedInserts(this.dump(Backups.sqlite(db), "1", "whole")));
        // Segments with no room to wait in: each writes into the dump when its turn comes.
        Map<String, String> cut = new java.util.HashMap<>(Backups.sqlite(db));
        cut.put("backup.parallel.split.rows", "1000");
        assertThat(joinedInserts(this.dump(cut, "4", "segments-no-room", "0", "0"))).isEqualTo(joinedInserts(dump));
        Path restored = tmp.resolve("restored-segments.db");
        Sqlite3Cli.load(restored, dump);
        assertThat(DatabaseSnapshot.of(restored)).isEqualTo(original);

        // From D1 too: each row read once, however the tables are cut.
        try (WorkerdD1 d1 = new WorkerdD1()) {
            String id = d1.addDatabase("large", db);
            Map<String, String> fromD1 = Backups.smallPages(Backups.d1(d1, id));
            fromD1.put("backup.parallel.split.rows", "1000");
            BackupResult viaD1 = Backups.run(fromD1, tmp.resolve("segmented-d1"));
            long pageRowsRead = d1.log().stream().filter(e -> e.sql().contains(" LIMIT "))
                    .mapToLong(WorkerdD1.Executed::rowsRead).sum();
            // D1 bills each row once, and a range's last page one more: the row past its end, read to see
            // the range is done (measured on workerd's D1).
            long pages = d1.log().stream().filter(e -> e.sql().contains(" LIMIT ")).count();
            assertThat(viaD1.rows()).isEqualTo(result.rows());
            assertThat(pageRowsRead).isBetween(result.rows(), result.rows() + pages);
            assertThat(d1.log()).anyMatch(e -> e.sql().contains(" FROM \"t0\" WHERE \"t0\".rowid > ")
                    && e.sql().contains(" AND \"t0\".rowid <= "));
            List<String> d1Lines = DumpLines.comparable(Path.of(viaD1.location()));
            List<String> local = DumpLines.comparable(dump);
            assertThat(d1Lines.subList(1, d1Lines.size())).isEqualTo(local.subList(1, local.size())); // but the time taken
        }
    }

    @Test
    void aRunFailingWhileSegmentsWaitForTheirTurnStopsAndLeavesNoScratch() throws Exception {
        Path db = tmp.resolve("failing.db");
        addTables(db, 2, 10_000); // 20,000 and 10,000 rows: each segment writes more than a writer's buffer
        try (WorkerdD1 d1 = new WorkerdD1()) {
            String id = d1.addDatabase("failing", db);
            Map<String, String> settings = Backups.smallPages(Backups.d1(d1, id));
            settings.put("backup.parallel.split.rows", "1000");
            settings.put("backup.parallel.memory.bytes", "0");
            settings.put("backup.parallel.scratch.bytes", "0"); // every segment but the first waits for its turn
            settings.put("backup.work.dir", tmp.resolve("failing-work").toString());
            // D1 refuses the 200th request for good (400 is not retried): segments past their first 64 KiB
            // are waiting for their turn by then.
            d1.faults(n -> n == 200 ? WorkerdD1.Fault.status(400, "refused for the test") : null);
            org.junit.jupiter.api.Assertions.assertTimeoutPreemptively(Duration.ofMinutes(1), () ->
                    org.assertj.core.api.Assertions.assertThatThrownBy(() -> Backups.run(settings, tmp.resolve("failing")))
                            // D1's refusal itself, not a table that stopped because of it
                            .hasRootCauseInstanceOf(D1Exception.class)
                            .hasMessageContaining("refused for the test"));
            assertThat(Files.list(tmp.resolve("failing-work")).toList()).isEmpty();
        }
    }

    /** The dump without its first line, each table's INSERTs joined into one: statement boundaries aside. */
    private static String joinedInserts(Path dump) throws Exception {
        String text = new String(withoutTimestamp(dump), java.nio.charset.StandardCharsets.UTF_8);
        return text.replaceAll("\\);\\nINSERT INTO [^\\n]*? VALUES\\(", "),(");
    }

    @Test
    void atMostParallelismRequestsAreInFlightAtD1() throws Exception {
        Path db = tmp.resolve("tables.db");
        addTables(db, 8, 300);
        TreeMap<String, List<String>> original = DatabaseSnapshot.of(db);
        // Each answer takes 40 ms, as a round trip to Cloudflare would: with 8 tables of many pages the
        // backup always has more work than the bound allows at once.
        try (WorkerdD1 d1 = new WorkerdD1(16, Duration.ofMillis(40))) {
            String id = d1.addDatabase("tables", db);
            Path dump = dump(Backups.d1(d1, id), "3", "d1");

            assertThat(d1.maxInFlight()).isEqualTo(3);
            String restored = d1.createDatabase("restore");
            D1Client.importDump(d1, restored, dump);
            assertThat(DatabaseSnapshot.of(d1, restored)).isEqualTo(original);
            List<String> local = DumpLines.comparable(dump(Backups.sqlite(db), "1", "local"));
            List<String> remote = DumpLines.comparable(dump);
            assertThat(remote.subList(1, remote.size())).isEqualTo(local.subList(1, local.size())); // but the time taken
        }
    }

    private Path dump(Map<String, String> source, String parallelism, String name) throws Exception {
        return dump(source, parallelism, name, "16777216", "1073741824");
    }

    private Path dump(Map<String, String> source, String parallelism, String name, String memory, String scratch)
            throws Exception {
        Map<String, String> settings = Backups.smallPages(source);
        settings.put("backup.parallelism", parallelism);
        settings.put("backup.parallel.memory.bytes", memory);
        settings.put("backup.parallel.scratch.bytes", scratch);
        settings.put("backup.work.dir", tmp.resolve(name + "-work").toString());
        return Path.of(Backups.run(settings, tmp.resolve(name)).location());
    }

    /** The dump without its first line, which says when it was taken. */
    private static byte[] withoutTimestamp(Path dump) throws Exception {
        byte[] bytes = Files.readAllBytes(dump);
        int firstNewline = 0;
        while (bytes[firstNewline] != '\n') {
            firstNewline++;
        }
        return Arrays.copyOfRange(bytes, firstNewline + 1, bytes.length);
    }

    /** Tables of different sizes, so they finish out of order when dumped at once. */
    private static void addTables(Path db, int tables, int rows) throws Exception {
        try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + db); Statement s = c.createStatement()) {
            for (int t = 0; t < tables; t++) {
                s.execute("CREATE TABLE t" + t + " (id INTEGER PRIMARY KEY, label TEXT, amount REAL, data BLOB)");
                s.execute("WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < " + (rows * (tables - t))
                        + ") INSERT INTO t" + t + " SELECT i, 'row ' || i || ' of t" + t + "', i / 3.0, randomblob(i % 40) FROM n");
            }
        }
    }
}
