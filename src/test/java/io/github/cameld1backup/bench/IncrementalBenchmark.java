package io.github.cameld1backup.bench;

import io.github.cameld1backup.BackupApplication;
import io.github.cameld1backup.model.BackupResult;
import io.github.cameld1backup.testing.Backups;
import io.github.cameld1backup.testing.WorkerdD1;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

/**
 * Benchmark, not a test (bench/incremental.sh): a table of N rows with a modification time, backed up
 * full; then 1% of its rows changed (a third inserted, a third updated, a third deleted) and backed up
 * incrementally. From the SQLite file and from workerd's D1 (8 connections, 50 ms an answer). Prints,
 * for each backup: time, requests, rows read (D1's own count), bytes stored; and checks that the
 * chain, applied by sqlite3, gives the source back (sqlite3's .sha3sum of both).
 */
public final class IncrementalBenchmark {

    public static void main(String[] args) throws Exception {
        int rows = args.length > 0 ? Integer.parseInt(args[0]) : 1_000_000;
        Path work = Path.of(args.length > 1 ? args[1] : "bench/work/incremental").toAbsolutePath();
        Files.createDirectories(work);
        Path seed = work.resolve("events-" + rows + ".db");
        if (!Files.exists(seed)) {
            create(seed, rows);
        }
        List<String> changes = changes(rows, 0.01, 42);
        System.out.printf("1 table x %d rows (%d MB on disk); changes: %d statements, 1%% of the rows%n", rows,
                Files.size(seed) / 1_000_000, changes.size());

        Path file = work.resolve("file-source.db");
        Files.copy(seed, file, StandardCopyOption.REPLACE_EXISTING);
        Map<String, String> fileSettings = Backups.sqlite(file);
        compare("SQLite file", fileSettings, work.resolve("out-file"), () -> apply(file, changes), null, file);

        try (WorkerdD1 d1 = new WorkerdD1(8, Duration.ofMillis(50))) {
            long loading = System.nanoTime();
            String id = d1.addDatabase("events", seed);
            System.out.printf("%nloaded into workerd's D1 in %.1f s%n", (System.nanoTime() - loading) / 1e9);
            Map<String, String> d1Settings = Backups.d1(d1, id);
            d1Settings.put("d1.requests.per.window", "1000000");
            Path mirror = work.resolve("d1-mirror.db"); // the same changes on a copy, to check the chain against
            Files.copy(seed, mirror, StandardCopyOption.REPLACE_EXISTING);
            compare("D1 (workerd, 50 ms)", d1Settings, work.resolve("out-d1"), () -> {
                for (int i = 0; i < changes.size(); i += 50) {
                    d1.execute(id, changes.subList(i, Math.min(changes.size(), i + 50)));
                }
                apply(mirror, changes);
            }, d1, mirror);
        }
    }

    interface Change {
        void run() throws Exception;
    }

    private static void compare(String label, Map<String, String> base, Path target, Change change, WorkerdD1 d1,
                                Path expected) throws Exception {
        deleteTree(target);
        Map<String, String> settings = new HashMap<>(base);
        settings.put("backup.target", "file:" + target);
        settings.put("backup.compression", "gzip");
        settings.put("backup.incremental.tables", "events:updated_at");
        settings.put("backup.work.dir", target + "-work");
        System.out.printf("%n%s%n", label);
        BackupResult full = measure("full", settings, d1);
        change.run();
        Backups.awaitNextName(full);
        settings.put("backup.incremental", "true");
        BackupResult incremental = measure("incremental", settings, d1);
        System.out.printf("  incremental / full: %.2f%% of the bytes stored, %.2f%% of the requests, %.2fx the time%n",
                100.0 * incremental.storedBytes() / full.storedBytes(), 100.0 * incremental.requests() / full.requests(),
                incremental.duration().toMillis() / (double) full.duration().toMillis());
        Path restored = target.resolveSibling(target.getFileName() + "-restored.db");
        Files.deleteIfExists(restored);
        for (BackupResult link : List.of(full, incremental)) {
            Path sql = target.resolveSibling("link.sql");
            sh("gzip -dc '" + link.location() + "' > '" + sql + "'");
            sh("sqlite3 -bail '" + restored + "' < '" + sql + "'");
        }
        String want = sh("sqlite3 '" + expected + "' .sha3sum");
        String got = sh("sqlite3 '" + restored + "' .sha3sum");
        System.out.printf("  full + incremental applied by sqlite3: %s%n", want.equals(got) ? "same content as the source"
                : "DIFFERENT from the source");
    }

    private static BackupResult measure(String kind, Map<String, String> settings, WorkerdD1 d1) throws Exception {
        long requestsBefore = d1 == null ? 0 : d1.requests();
        long readBefore = d1 == null ? 0 : d1.rowsRead();
        int logBefore = d1 == null ? 0 : d1.log().size();
        BackupResult result;
        try (BackupApplication app = BackupApplication.start(settings)) {
            result = app.backup();
        }
        String read = d1 == null ? "" : String.format("  %,d rows read", d1.rowsRead() - readBefore);
        if (d1 != null && Boolean.getBoolean("bench.statements")) {
            d1.log().stream().skip(logBefore).forEach(e -> System.out.printf("    %,9d rows read: %s%n", e.rowsRead(),
                    e.sql().length() > 160 ? e.sql().substring(0, 160) + "..." : e.sql()));
        }
        System.out.printf("  %-12s %7.2f s  %,6d requests%s  %,d rows written  %,d bytes stored%n", kind,
                result.duration().toMillis() / 1000.0, d1 == null ? result.requests() : d1.requests() - requestsBefore,
                read, result.rows(), result.storedBytes());
        return result;
    }

    private static void create(Path db, int rows) throws Exception {
        try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + db); Statement s = c.createStatement()) {
            s.execute("CREATE TABLE events (id INTEGER PRIMARY KEY, updated_at INTEGER NOT NULL, kind TEXT, amount REAL,"
                    + " big INTEGER, payload BLOB)");
            s.execute("CREATE INDEX events_updated_at ON events(updated_at)");
            s.execute("INSERT INTO events WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < " + rows
                    + ") SELECT i, 1700000000 + i, 'kind-' || (i % 17), i / 7.0, 9007199254740993 + i, randomblob(8) FROM n");
        }
    }

    /** {@code share} of the rows changed: a third inserted, a third updated (with a later time), a third deleted. */
    static List<String> changes(int rows, double share, long seed) {
        int each = (int) Math.round(rows * share / 3);
        Random random = new Random(seed);
        Set<Integer> touched = new LinkedHashSet<>();
        while (touched.size() < 2 * each) {
            touched.add(1 + random.nextInt(rows));
        }
        List<Integer> ids = new ArrayList<>(touched);
        List<String> out = new ArrayList<>();
        long later = 1800000000L;
        for (int i = 0; i < each; i += 500) {
            String updated = ids.subList(i, Math.min(each, i + 500)).stream().map(String::valueOf)
                    .collect(Collectors.joining(","));
            out.add("UPDATE events SET updated_at = " + later + ", amount = -amount, kind = 'updated' WHERE id IN ("
                    + updated + ")");
            String deleted = ids.subList(each + i, each + Math.min(each, i + 500)).stream().map(String::valueOf)
                    .collect(Collectors.joining(","));
            out.add("DELETE FROM events WHERE id IN (" + deleted + ")");
        }
        for (int i = 0; i < each; i += 500) {
            int n = Math.min(500, each - i);
            out.add("INSERT INTO events(updated_at, kind, amount, big, payload) WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL"
                    + " SELECT i + 1 FROM n WHERE i < " + n + ") SELECT " + (later + 1) + ", 'new', i * 1.5, i, X'0102' FROM n");
        }
        return out;
    }

    private static void apply(Path db, List<String> statements) throws Exception {
        try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + db); Statement s = c.createStatement()) {
            for (String sql : statements) {
                s.execute(sql);
            }
        }
    }

    private static String sh(String command) throws IOException, InterruptedException {
        Process p = new ProcessBuilder("bash", "-c", command).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
        if (!p.waitFor(10, TimeUnit.MINUTES) || p.exitValue() != 0) {
            throw new IllegalStateException(command + " failed: " + out);
        }
        return out;
    }

    private static void deleteTree(Path dir) throws IOException {
        if (Files.exists(dir)) {
            try (var paths = Files.walk(dir)) {
                for (Path p : paths.sorted(java.util.Comparator.reverseOrder()).toList()) {
                    Files.delete(p);
                }
            }
        }
    }
}
