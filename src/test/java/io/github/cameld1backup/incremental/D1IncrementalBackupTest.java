package io.github.cameld1backup.incremental;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.github.cameld1backup.model.BackupResult;
import io.github.cameld1backup.model.Manifest;
import io.github.cameld1backup.testing.Backups;
import io.github.cameld1backup.testing.D1Client;
import io.github.cameld1backup.testing.DatabaseSnapshot;
import io.github.cameld1backup.testing.WorkerdD1;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * Incrementals of a database in workerd's D1, each posted to a fresh D1 database through {@code /query}
 * as a user would import it, on top of the full backup: the chain gives the source back.
 */
class D1IncrementalBackupTest {

    @RegisterExtension
    static final WorkerdD1 D1 = WorkerdD1.perClass();

    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path tmp;

    @Test
    void incrementalsImportIntoD1OnTopOfTheFullBackup() throws Exception {
        String source = D1.addDatabase("shop", IncrementalFixture.create(tmp, "shop", 200));
        Map<String, String> settings = IncrementalFixture.strategies(Backups.smallPages(Backups.d1(D1, source)));
        settings.put("backup.incremental", "true");
        Path backups = tmp.resolve("backups");
        List<Path> chain = new ArrayList<>();
        BackupResult previous = Backups.run(settings, backups);
        chain.add(Path.of(previous.location()));
        for (int round = 1; round <= 3; round++) {
            D1.execute(source, IncrementalFixture.changeStatements(round));
            Backups.awaitNextName(previous);
            D1.resetCounters();
            previous = Backups.run(settings, backups);
            Manifest m = manifest(Path.of(previous.location()));
            assertThat(m.kind()).isEqualTo(Manifest.INCREMENTAL);
            assertThat(m.timeTravel().consistent()).isTrue();
            // users and posts: the rows at or above the watermark (a handful, not 200 and 267).
            assertThat(m.changes().get("users").rows()).isBetween(3L, 6L);
            assertThat(m.changes().get("posts").rows()).isBetween(1L, 4L);
            chain.add(Path.of(previous.location()));

            String restored = D1.createDatabase("restored-" + round);
            for (Path link : chain) {
                D1Client.importDump(D1, restored, link);
            }
            assertThat(DatabaseSnapshot.of(D1, restored)).isEqualTo(DatabaseSnapshot.of(D1, source));
            // The full-text index, rebuilt after the rows, finds the posts written this round.
            String match = "SELECT rowid FROM posts_fts WHERE posts_fts MATCH 'hello' ORDER BY rowid";
            assertThat(D1.rows(restored, match)).isEqualTo(D1.rows(source, match)).hasSize(round);
        }
    }

    @Test
    void aSchemaChangeBetweenIncrementalsStartsANewChain() throws Exception {
        String source = D1.addDatabase("shop2", IncrementalFixture.create(tmp, "shop2", 60));
        Map<String, String> settings = IncrementalFixture.strategies(Backups.d1(D1, source));
        settings.put("backup.incremental", "true");
        Path backups = tmp.resolve("backups");
        BackupResult full = Backups.run(settings, backups);
        D1.execute(source, IncrementalFixture.changeStatements(1));
        Backups.awaitNextName(full);
        BackupResult first = Backups.run(settings, backups);
        assertThat(manifest(Path.of(first.location())).kind()).isEqualTo(Manifest.INCREMENTAL);

        D1.execute(source, "ALTER TABLE users ADD COLUMN nickname TEXT DEFAULT 'none'", "UPDATE users SET nickname = 'n'"
                + " || id, updated_at = 150000 WHERE id % 2 = 0"); // after round 1's times, before round 2's
        Backups.awaitNextName(first);
        BackupResult forced = Backups.run(settings, backups);
        Manifest forcedManifest = manifest(Path.of(forced.location()));
        assertThat(forcedManifest.kind()).isEqualTo(Manifest.FULL);
        assertThat(forcedManifest.forcedFull()).isEqualTo("the schema changed since "
                + Path.of(first.location()).getFileName());

        D1.execute(source, IncrementalFixture.changeStatements(2));
        Backups.awaitNextName(forced);
        BackupResult next = Backups.run(settings, backups);
        assertThat(manifest(Path.of(next.location())).parent().object()).isEqualTo(forcedManifest.object());
        String restored = D1.createDatabase("restored-after-schema-change");
        D1Client.importDump(D1, restored, Path.of(forced.location()));
        D1Client.importDump(D1, restored, Path.of(next.location()));
        assertThat(DatabaseSnapshot.of(D1, restored)).isEqualTo(DatabaseSnapshot.of(D1, source));
    }

    private static Manifest manifest(Path backup) throws Exception {
        return JSON.readValue(Files.readString(backup.resolveSibling(backup.getFileName() + Manifest.SUFFIX)), Manifest.class);
    }
}
