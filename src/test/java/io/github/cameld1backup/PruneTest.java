package io.github.cameld1backup;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.github.cameld1backup.model.BackupResult;
import io.github.cameld1backup.retention.Pruner;
import io.github.cameld1backup.model.Manifest;
import io.github.cameld1backup.testing.Backups;
import io.github.cameld1backup.testing.DatabaseSnapshot;
import io.github.cameld1backup.testing.Fixtures;
import io.github.cameld1backup.testing.S3ProxyServer;
import io.github.cameld1backup.testing.Sqlite3Cli;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.core.sync.RequestBody;

/** prune on real targets: what goes, what never does. */
class PruneTest {

    @TempDir
    Path tmp;

    /** Rewrites a stored backup's manifest as if it had been taken {@code daysAgo} days ago. */
    private static void age(Path manifest, int daysAgo) throws Exception {
        ObjectMapper json = new ObjectMapper();
        ObjectNode m = (ObjectNode) json.readTree(manifest.toFile());
        m.put("startedAt", Instant.now().minus(daysAgo, ChronoUnit.DAYS).toString());
        Files.writeString(manifest, json.writeValueAsString(m));
    }

    @Test
    void pruneKeepsWhatThePolicySaysAndTouchesNothingElse() throws Exception {
        Path db = Fixtures.create("edge_values", tmp);
        Path other = Fixtures.create("schema_zoo", tmp);
        Path target = tmp.resolve("backups");
        Map<String, String> settings = Backups.sqlite(db);
        settings.put("retention.keep.last", "0");
        settings.put("retention.keep.daily", "2");
        settings.put("retention.keep.weekly", "0");
        settings.put("retention.keep.monthly", "0");
        for (int i = 0; i < 4; i++) {
            Backups.awaitNextName(Backups.run(settings, target));
        }
        Backups.run(Backups.sqlite(other), target); // another database's backup in the same folder
        Files.writeString(target.resolve("notes.txt"), "not a backup");
        Files.writeString(target.resolve("orphan-20200101T000000Z.sql"), "no manifest: unknown");
        List<Path> manifests;
        try (Stream<Path> files = Files.list(target)) {
            manifests = files.filter(p -> p.getFileName().toString().startsWith("edge_values")
                    && p.toString().endsWith(Manifest.SUFFIX)).sorted().toList();
        }
        for (int i = 0; i < manifests.size(); i++) {
            age(manifests.get(i), (manifests.size() - i) * 2); // 8, 6, 4, 2 days ago: four different days
        }

        Map<String, String> pruneSettings = Backups.sqlite(db);
        pruneSettings.putAll(settings);
        pruneSettings.put("backup.target", "file:" + target);
        try (BackupApplication app = BackupApplication.start(pruneSettings)) {
            Pruner.Report dry = app.prune(true);
            assertThat(dry.deleted()).isEmpty();
            assertThat(dry.summary()).contains("2 kept, 2 would go");
            try (Stream<Path> files = Files.list(target)) {
                assertThat(files.count()).isEqualTo(4 * 2 + 2 + 2);
            }
            Pruner.Report real = app.prune(false);
            assertThat(real.deleted()).hasSize(2);
        }
        try (Stream<Path> files = Files.list(target)) {
            List<String> left = files.map(p -> p.getFileName().toString()).sorted().toList();
            assertThat(left).filteredOn(n -> n.startsWith("edge_values")).hasSize(4); // 2 backups + manifests
            assertThat(left).filteredOn(n -> n.startsWith("schema_zoo")).hasSize(2);
            assertThat(left).contains("notes.txt", "orphan-20200101T000000Z.sql");
        }
    }

    @Test
    void pruneOnR2DeletesBackupAndManifestTogether() throws Exception {
        try (S3ProxyServer s3 = new S3ProxyServer()) {
            s3.createBucket("keep");
            Path db = Fixtures.create("edge_values", tmp);
            Map<String, String> settings = s3.settings(Backups.sqlite(db));
            settings.put("backup.target", "r2:keep");
            settings.put("backup.prefix", "p/");
            settings.put("retention.keep.last", "1");
            settings.put("retention.min.age", "PT0S");
            settings.put("retention.enabled", "true");
            s3.client().putObject(b -> b.bucket("keep").key("other/x-20200101T000000Z.sql"), RequestBody.fromString("x"));
            Backups.awaitNextName(Backups.run(settings, tmp.resolve("unused")));
            BackupResult second = Backups.run(settings, tmp.resolve("unused")); // prunes after itself
            String key = "p/" + Path.of(second.location()).getFileName();
            assertThat(s3.keys("keep")).containsExactlyInAnyOrder(key, key + Manifest.SUFFIX, "other/x-20200101T000000Z.sql");
        }
    }

    /** A small database whose table t an incremental copies by key (backup.incremental.tables t:id). */
    private static Path chainable(Path dir) throws Exception {
        Path db = dir.resolve("chain.db");
        try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + db); Statement s = c.createStatement()) {
            s.execute("CREATE TABLE t(id INTEGER PRIMARY KEY, v TEXT)");
            s.execute("INSERT INTO t(v) VALUES ('a'), ('b'), ('c')");
        }
        return db;
    }

    private static void change(Path db, int round) throws Exception {
        try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + db); Statement s = c.createStatement()) {
            s.execute("INSERT INTO t(v) VALUES ('round " + round + "')");
            s.execute("DELETE FROM t WHERE id = " + round);
        }
    }

    private static Map<String, String> chainSettings(Path db) {
        Map<String, String> settings = Backups.sqlite(db);
        settings.put("backup.incremental", "true");
        settings.put("backup.incremental.tables", "t:id");
        settings.put("retention.keep.last", "1");
        settings.put("retention.keep.daily", "0");
        settings.put("retention.keep.weekly", "0");
        settings.put("retention.keep.monthly", "0");
        settings.put("retention.min.age", "PT0S");
        return settings;
    }

    /** A full backup, then {@code incrementals} incrementals on top of it, changing the source before each. */
    private static List<String> chain(Map<String, String> settings, Path db, Path target, int incrementals, int round)
            throws Exception {
        List<String> names = new ArrayList<>();
        Map<String, String> full = new HashMap<>(settings);
        full.put("backup.incremental", "false");
        BackupResult last = Backups.run(full, target);
        names.add(Path.of(last.location()).getFileName().toString());
        for (int i = 1; i <= incrementals; i++) {
            change(db, round + i);
            Backups.awaitNextName(last);
            last = Backups.run(settings, target);
            names.add(Path.of(last.location()).getFileName().toString());
        }
        Backups.awaitNextName(last);
        return names;
    }

    private static Manifest manifest(Path target, String name) throws Exception {
        return new ObjectMapper().readValue(target.resolve(name + Manifest.SUFFIX).toFile(), Manifest.class);
    }

    @Test
    void pruneKeepsEveryLinkAKeptIncrementalNeedsAndDropsAChainNothingNeeds() throws Exception {
        Path db = chainable(tmp);
        Path target = tmp.resolve("backups");
        Map<String, String> settings = chainSettings(db);
        List<String> old = chain(settings, db, target, 2, 0);
        List<String> current = chain(settings, db, target, 2, 10);
        assertThat(manifest(target, current.get(2)).parent().object()).isEqualTo(current.get(1));
        assertThat(manifest(target, current.get(1)).parent().object()).isEqualTo(current.get(0));
        assertThat(manifest(target, current.get(0)).incremental()).isFalse();

        Map<String, String> pruneSettings = new HashMap<>(settings);
        pruneSettings.put("backup.target", "file:" + target);
        try (BackupApplication app = BackupApplication.start(pruneSettings)) {
            String dry = app.prune(true).summary();
            assertThat(dry).contains("keep    " + current.get(2) + "  (newest, last 1)")
                    .contains("keep    " + current.get(1) + "  (parent of kept incremental " + current.get(2) + ")")
                    .contains("keep    " + current.get(0) + "  (parent of kept incremental " + current.get(1) + ")")
                    .contains("would go " + old.get(2) + "  (no rule keeps it)")
                    .contains("would go " + old.get(0) + "  (no rule keeps it)")
                    .contains("3 kept, 3 would go").doesNotContain("!");
            assertThat(app.prune(false).deleted()).containsExactly(old.get(2), old.get(1), old.get(0));
        }
        try (Stream<Path> files = Files.list(target)) {
            assertThat(files.map(p -> p.getFileName().toString()).filter(n -> !n.endsWith(Manifest.SUFFIX)))
                    .containsExactlyInAnyOrderElementsOf(current);
        }
        // What is left restores: the full, then each incremental in order, gives the source back.
        Path restored = tmp.resolve("restored.db");
        for (String link : current) {
            Sqlite3Cli.load(restored, target.resolve(link));
        }
        assertThat(DatabaseSnapshot.of(restored)).isEqualTo(DatabaseSnapshot.of(db));

        // The full deleted by hand: its incremental is kept as orphaned and both say they cannot be restored.
        Files.delete(target.resolve(current.get(0)));
        Files.delete(target.resolve(current.get(0) + Manifest.SUFFIX));
        try (BackupApplication app = BackupApplication.start(pruneSettings)) {
            Pruner.Report report = app.prune(false);
            assertThat(report.deleted()).isEmpty();
            assertThat(report.summary())
                    .contains("keep    " + current.get(1) + "  (orphaned: its parent " + current.get(0) + " is missing, "
                            + "parent of kept incremental " + current.get(2) + ")  ! cannot be restored from this target: "
                            + current.get(0) + " (parent of " + current.get(1) + ") is missing")
                    .contains("2 kept, 0 deleted");
        }
    }

    /** On R2, after each backup: a growing chain stays whole; a new full with keep-last 1 takes the old chain away. */
    @Test
    void pruneOnR2KeepsAChainWholeAndDropsItWhenANewFullSupersedesIt() throws Exception {
        try (S3ProxyServer s3 = new S3ProxyServer()) {
            s3.createBucket("chains");
            Path db = chainable(tmp);
            Map<String, String> settings = s3.settings(chainSettings(db));
            settings.put("backup.target", "r2:chains");
            settings.put("backup.prefix", "p/");
            settings.put("retention.enabled", "true"); // prunes after every backup
            List<String> names = chain(settings, db, tmp.resolve("unused"), 2, 0);
            List<String> keys = new ArrayList<>();
            names.forEach(n -> keys.addAll(List.of("p/" + n, "p/" + n + Manifest.SUFFIX)));
            assertThat(s3.keys("chains")).containsExactlyInAnyOrderElementsOf(keys);

            settings.put("backup.incremental", "false");
            BackupResult full = Backups.run(settings, tmp.resolve("unused"));
            String key = "p/" + Path.of(full.location()).getFileName();
            assertThat(s3.keys("chains")).containsExactlyInAnyOrder(key, key + Manifest.SUFFIX);
        }
    }
}
