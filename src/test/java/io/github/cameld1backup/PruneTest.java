package io.github.cameld1backup;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.github.cameld1backup.model.BackupResult;
import io.github.cameld1backup.retention.Pruner;
import io.github.cameld1backup.model.Manifest;
import io.github.cameld1backup.testing.Backups;
import io.github.cameld1backup.testing.Fixtures;
import io.github.cameld1backup.testing.S3ProxyServer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
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
}
