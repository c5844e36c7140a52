package io.github.cameld1backup.incremental;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.github.cameld1backup.BackupApplication;
import io.github.cameld1backup.model.BackupResult;
import io.github.cameld1backup.model.Manifest;
import io.github.cameld1backup.model.Verification;
import io.github.cameld1backup.testing.Backups;
import io.github.cameld1backup.testing.DatabaseSnapshot;
import io.github.cameld1backup.testing.SigningKeys;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Signed manifests and incrementals: restore and verify under MANIFEST_PUBLIC_KEY check every link's manifest
 * of the chain, so one altered or unsigned link, wherever it is, refuses the whole chain before anything loads.
 */
class SignedChainTest {

    @TempDir
    Path tmp;

    @Test
    void everyLinkOfAChainMustBeSignedAndUnaltered() throws Exception {
        Path db = IncrementalFixture.create(tmp, "chain", 30);
        SigningKeys.Pair keys = SigningKeys.make(tmp.resolve("keys"), "manifest");
        Path backups = tmp.resolve("backups");
        Map<String, String> settings = IncrementalFixture.strategies(Backups.sqlite(db));
        settings.put("backup.incremental", "true");
        settings.put("manifest.signing.key", keys.privatePem().toString());
        List<String> names = new ArrayList<>();
        List<TreeMap<String, List<String>>> points = new ArrayList<>();
        BackupResult result = Backups.run(settings, backups);
        names.add(Path.of(result.location()).getFileName().toString());
        points.add(DatabaseSnapshot.of(db));
        for (int round = 1; round <= 2; round++) {
            IncrementalFixture.changes(db, round);
            Backups.awaitNextName(result);
            result = Backups.run(settings, backups);
            names.add(Path.of(result.location()).getFileName().toString());
            points.add(DatabaseSnapshot.of(db));
        }
        for (String name : names) {
            assertThat(backups.resolve(name + Manifest.SIGNATURE_SUFFIX)).exists();
        }
        String last = names.get(2);

        Map<String, String> restoring = new HashMap<>();
        restoring.put("backup.target", "file:" + backups);
        restoring.put("backup.work.dir", tmp.resolve("work").toString());
        restoring.put("manifest.public.key", keys.publicPem().toString());
        try (BackupApplication app = BackupApplication.start(restoring)) {
            Path whole = tmp.resolve("whole.db");
            app.restore(last, "sqlite:" + whole, false, 1);
            assertThat(DatabaseSnapshot.of(whole)).isEqualTo(points.get(2));
            Path atFirst = tmp.resolve("at-first.db");
            app.restore(last, "sqlite:" + atFirst, false, 1, null, names.get(1));
            assertThat(DatabaseSnapshot.of(atFirst)).isEqualTo(points.get(1));
            Verification report = app.verify(last);
            assertThat(report.ok()).isTrue();
            assertThat(report.summary()).contains("each of the 3 links' manifests");

            // The middle link's manifest altered by one byte (its start time's last digit): refused, naming it.
            Path middle = backups.resolve(names.get(1) + Manifest.SUFFIX);
            byte[] good = Files.readAllBytes(middle);
            byte[] altered = good.clone();
            String json = new String(good, java.nio.charset.StandardCharsets.UTF_8);
            int at = json.indexOf("Z\"", json.indexOf("\"startedAt\"")) - 1;
            altered[at] = (byte) (altered[at] == '9' ? '8' : altered[at] + 1);
            Files.write(middle, altered);
            Path target = tmp.resolve("refused.db");
            assertThatThrownBy(() -> app.restore(last, "sqlite:" + target, false, 1))
                    .hasMessageContaining("the manifest of " + names.get(1) + " does not match its signature");
            assertThatThrownBy(() -> app.verify(last)).hasMessageContaining(names.get(1));
            Files.write(middle, good);

            // The full backup's signature gone: refused, naming it.
            Files.delete(backups.resolve(names.get(0) + Manifest.SIGNATURE_SUFFIX));
            assertThatThrownBy(() -> app.restore(last, "sqlite:" + target, false, 1))
                    .hasMessageContaining("the manifest of " + names.get(0) + " is not signed");
            assertThat(target).doesNotExist();
        }
    }
}
