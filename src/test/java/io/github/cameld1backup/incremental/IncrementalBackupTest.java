package io.github.cameld1backup.incremental;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.github.cameld1backup.model.BackupResult;
import io.github.cameld1backup.model.Manifest;
import io.github.cameld1backup.testing.Backups;
import io.github.cameld1backup.testing.DatabaseSnapshot;
import io.github.cameld1backup.testing.Sqlite3Cli;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Incrementals of a SQLite file, applied by the stock sqlite3 shell on top of their parents. */
class IncrementalBackupTest {

    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path tmp;

    @Test
    void aChainOfIncrementalsAppliedInOrderGivesTheSourceBack() throws Exception {
        Path db = IncrementalFixture.create(tmp, "shop", 300);
        Path backups = tmp.resolve("backups");
        Map<String, String> settings = IncrementalFixture.strategies(Backups.smallPages(Backups.sqlite(db)));
        settings.put("backup.incremental", "true");
        List<Path> chain = new ArrayList<>();
        BackupResult full = Backups.run(settings, backups);
        chain.add(Path.of(full.location()));
        assertThat(manifest(full).kind()).isEqualTo(Manifest.FULL);
        assertThat(manifest(full).forcedFull()).contains("no earlier backup");
        for (int round = 1; round <= 3; round++) {
            IncrementalFixture.changes(db, round);
            Backups.awaitNextName(full);
            BackupResult incremental = Backups.run(settings, backups);
            Manifest m = manifest(incremental);
            assertThat(m.kind()).isEqualTo(Manifest.INCREMENTAL);
            assertThat(m.parent().object()).isEqualTo(chain.get(chain.size() - 1).getFileName().toString());
            assertThat(m.parent().sha256()).isEqualTo(manifest(chain.get(chain.size() - 1)).sha256());
            // Only what changed: a few users and posts, not the 300 users and 400 posts.
            assertThat(m.changes().get("users").rows()).isBetween(3L, 6L);
            assertThat(m.changes().get("posts").rows()).isBetween(1L, 4L);
            chain.add(Path.of(incremental.location()));
            full = incremental;

            Path restored = tmp.resolve("restored-" + round + ".db");
            for (Path link : chain) {
                Sqlite3Cli.load(restored, link);
            }
            assertThat(DatabaseSnapshot.of(restored)).isEqualTo(DatabaseSnapshot.of(db));
        }
    }

    @Test
    void aSchemaChangeMakesTheNextBackupFull() throws Exception {
        Path db = IncrementalFixture.create(tmp, "shop", 50);
        Path backups = tmp.resolve("backups");
        Map<String, String> settings = IncrementalFixture.strategies(Backups.sqlite(db));
        BackupResult full = Backups.run(settings, backups);
        try (var c = java.sql.DriverManager.getConnection("jdbc:sqlite:" + db); var s = c.createStatement()) {
            s.execute("ALTER TABLE users ADD COLUMN nickname TEXT");
        }
        Backups.awaitNextName(full);
        settings.put("backup.incremental", "true");
        Manifest next = manifest(Backups.run(settings, backups));
        assertThat(next.kind()).isEqualTo(Manifest.FULL);
        assertThat(next.parent()).isNull();
        assertThat(next.forcedFull()).isEqualTo("the schema changed since " + manifest(full).object());
    }

    @Test
    void aFullBackupOlderThanFullEveryMakesTheNextOneFull() throws Exception {
        Path db = IncrementalFixture.create(tmp, "shop", 20);
        Path backups = tmp.resolve("backups");
        Map<String, String> settings = IncrementalFixture.strategies(Backups.sqlite(db));
        settings.put("backup.incremental", "true");
        settings.put("backup.full.every", "PT1H");
        BackupResult full = Backups.run(settings, backups);
        Backups.awaitNextName(full);
        BackupResult incremental = Backups.run(settings, backups);
        assertThat(manifest(incremental).kind()).isEqualTo(Manifest.INCREMENTAL);
        Backups.awaitNextName(incremental);
        settings.put("backup.full.every", "PT0.5S");
        Manifest next = manifest(Backups.run(settings, backups));
        assertThat(next.kind()).isEqualTo(Manifest.FULL);
        assertThat(next.forcedFull()).isEqualTo("the newest full backup, " + manifest(full).object()
                + ", is older than backup.full.every (PT0.5S)");
    }

    @Test
    void aChainWithAMissingLinkIsNotBuiltOn() throws Exception {
        Path db = IncrementalFixture.create(tmp, "shop", 20);
        Path backups = tmp.resolve("backups");
        Map<String, String> settings = IncrementalFixture.strategies(Backups.sqlite(db));
        settings.put("backup.incremental", "true");
        Path full = Path.of(Backups.run(settings, backups).location());
        Backups.awaitNextName(Backups.run(settings, backups));
        // Someone removes the full backup by hand: its incremental restores no more.
        Files.delete(full);
        Files.delete(full.resolveSibling(full.getFileName() + Manifest.SUFFIX));
        Manifest next = manifest(Backups.run(settings, backups));
        assertThat(next.kind()).isEqualTo(Manifest.FULL);
        assertThat(next.forcedFull()).contains("is broken: " + full.getFileName() + ", the parent of");
    }

    private static Manifest manifest(BackupResult result) throws Exception {
        return manifest(Path.of(result.location()));
    }

    private static Manifest manifest(Path backup) throws Exception {
        return JSON.readValue(Files.readString(backup.resolveSibling(backup.getFileName() + Manifest.SUFFIX)), Manifest.class);
    }
}
