package io.github.cameld1backup.incremental;

import io.github.cameld1backup.testing.AgeKeys;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.github.cameld1backup.BackupApplication;
import io.github.cameld1backup.model.BackupResult;
import io.github.cameld1backup.model.Manifest;
import io.github.cameld1backup.model.RestoreResult;
import io.github.cameld1backup.model.Verification;
import io.github.cameld1backup.testing.Backups;
import io.github.cameld1backup.testing.DatabaseSnapshot;
import io.github.cameld1backup.testing.S3ProxyServer;
import io.github.cameld1backup.testing.WorkerdD1;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * restore and verify of incrementals: the chain (full, then each incremental in order) restored into
 * SQLite and D1 equals the source at that point; a broken link is refused before the target is touched.
 */
class ChainRestoreTest {

    private static final Logger LOG = LoggerFactory.getLogger(ChainRestoreTest.class);
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String KEY = "00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff";
    static WorkerdD1 d1;

    @TempDir
    Path tmp;

    @BeforeAll
    static void start() throws Exception {
        d1 = new WorkerdD1();
    }

    @AfterAll
    static void stop() {
        d1.close();
    }

    /** A full backup and {@code rounds} incrementals of a SQLite file; the source's snapshot after each. */
    private record Chain(List<String> names, List<TreeMap<String, List<String>>> points) {
        String last() {
            return names.get(names.size() - 1);
        }
    }

    private Chain sqliteChain(Path db, Path backups, int rounds, Map<String, String> extra) throws Exception {
        Map<String, String> settings = IncrementalFixture.strategies(Backups.smallPages(Backups.sqlite(db)));
        settings.put("backup.incremental", "true");
        settings.putAll(extra);
        return chain(settings, backups, rounds, round -> IncrementalFixture.changes(db, round),
                () -> DatabaseSnapshot.of(db));
    }

    private interface Change {
        void apply(int round) throws Exception;
    }

    private interface Snapshot {
        TreeMap<String, List<String>> take() throws Exception;
    }

    private interface Manifests {
        Manifest read(Path backups, String name) throws Exception;
    }

    private static Chain chain(Map<String, String> settings, Path backups, int rounds, Change change, Snapshot snapshot)
            throws Exception {
        return chain(settings, backups, rounds, change, snapshot, ChainRestoreTest::manifest);
    }

    private static Chain chain(Map<String, String> settings, Path backups, int rounds, Change change, Snapshot snapshot,
                               Manifests manifests) throws Exception {
        List<String> names = new ArrayList<>();
        List<TreeMap<String, List<String>>> points = new ArrayList<>();
        BackupResult result = Backups.run(settings, backups);
        names.add(Path.of(result.location()).getFileName().toString());
        points.add(snapshot.take());
        for (int round = 1; round <= rounds; round++) {
            change.apply(round);
            Backups.awaitNextName(result);
            result = Backups.run(settings, backups);
            names.add(Path.of(result.location()).getFileName().toString());
            points.add(snapshot.take());
            assertThat(manifests.read(backups, names.get(round)).kind()).isEqualTo(Manifest.INCREMENTAL);
        }
        return new Chain(names, points);
    }

    /** Settings of the restoring side: the backups' folder as target, keys, and a D1 database to restore into. */
    private Map<String, String> restoring(Path backups, String restoreId) {
        Map<String, String> s = new HashMap<>(Backups.d1(d1, "00000000-0000-4000-8000-000000000000"));
        s.remove("backup.source");
        s.put("backup.target", "file:" + backups);
        s.put("backup.work.dir", tmp.resolve("work").toString());
        s.put("encryption.key", KEY);
        if (restoreId != null) {
            s.put("restore.d1.database.id", restoreId);
        }
        return s;
    }

    @Test
    void anEncryptedChainOfASqliteFileRestoresWholeAndAtEachOfItsLinks() throws Exception {
        Path db = IncrementalFixture.create(tmp, "shop", 300);
        Path backups = tmp.resolve("backups");
        Chain chain = sqliteChain(db, backups, 3, Map.of("backup.compression", "gzip",
                "backup.encryption", "aes-256-gcm", "encryption.key", KEY));
        assertThat(chain.last()).endsWith(".sql.gz.enc");

        try (BackupApplication app = BackupApplication.start(restoring(backups, null))) {
            Path whole = tmp.resolve("whole.db");
            RestoreResult result = app.restore(chain.last(), "sqlite:" + whole, false, 1);
            assertThat(DatabaseSnapshot.of(whole)).isEqualTo(chain.points().get(3));
            assertThat(result.links()).isEqualTo(chain.names());
            assertThat(result.summary()).contains("a chain of 4");

            for (int point = 0; point < 3; point++) {
                Path at = tmp.resolve("at-" + point + ".db");
                RestoreResult partial = app.restore(chain.last(), "sqlite:" + at, false, 1, null, chain.names().get(point));
                assertThat(DatabaseSnapshot.of(at)).as("--at link %d", point + 1).isEqualTo(chain.points().get(point));
                assertThat(partial.links()).isEqualTo(chain.names().subList(0, point + 1));
            }
            // An incremental named alone brings its own chain; a full backup restores as it always has.
            Path second = tmp.resolve("second.db");
            app.restore(chain.names().get(1), "sqlite:" + second, false, 1);
            assertThat(DatabaseSnapshot.of(second)).isEqualTo(chain.points().get(1));
            assertThat(app.restore(chain.names().get(0), "sqlite:" + tmp.resolve("full.db"), false, 1).links())
                    .containsExactly(chain.names().get(0));
            assertThatThrownBy(() -> app.restore(chain.names().get(1), "sqlite:" + tmp.resolve("x.db"), false, 1, null,
                    chain.names().get(2))).hasMessageContaining("is not a link of the chain of " + chain.names().get(1));
            assertThat(tmp.resolve("x.db")).doesNotExist();

            // The target must be empty for the first link only; --resume-from is refused for a chain.
            assertThatThrownBy(() -> app.restore(chain.last(), "sqlite:" + whole, false, 1))
                    .hasMessageContaining("not empty");
            assertThatThrownBy(() -> app.restore(chain.last(), "d1", false, 5))
                    .hasMessageContaining("--resume-from resumes a single backup, not a chain");

            Verification report = app.verify(chain.last());
            assertThat(report.ok()).as(report.summary()).isTrue();
            assertThat(report.summary()).contains("ok    chain: 4 links")
                    .contains("link 4 of 4 (" + chain.last() + ")")
                    .contains("ok    row counts")
                    .contains("ok    schema hash");
        }
        // A local file: its chain is looked for in its own folder.
        Path copy = tmp.resolve("copied");
        Files.createDirectories(copy);
        try (var files = Files.list(backups)) {
            for (Path f : files.toList()) {
                Files.copy(f, copy.resolve(f.getFileName()));
            }
        }
        Map<String, String> elsewhere = restoring(tmp.resolve("empty-target"), null);
        try (BackupApplication app = BackupApplication.start(elsewhere)) {
            Path fromFile = tmp.resolve("from-file.db");
            app.restore(copy.resolve(chain.last()).toString(), "sqlite:" + fromFile, false, 1);
            assertThat(DatabaseSnapshot.of(fromFile)).isEqualTo(chain.points().get(3));
        }
        try (var work = Files.list(tmp.resolve("work"))) {
            assertThat(work.toList()).as("no plaintext or scratch databases left behind").isEmpty();
        }
    }

    @Test
    void aBrokenLinkIsAClearErrorBeforeTheTargetIsTouched() throws Exception {
        Path db = IncrementalFixture.create(tmp, "shop", 100);
        Path backups = tmp.resolve("backups");
        Chain chain = sqliteChain(db, backups, 3, Map.of());
        String middle = chain.names().get(2);
        Path stored = backups.resolve(middle);
        byte[] good = Files.readAllBytes(stored);

        Path target = tmp.resolve("target.db");
        Path existing = tmp.resolve("existing.db");
        Files.copy(IncrementalFixture.create(tmp, "other", 5), existing);
        TreeMap<String, List<String>> before = DatabaseSnapshot.of(existing);
        String restoreId = d1.createDatabase("restore");
        try (BackupApplication app = BackupApplication.start(restoring(backups, restoreId))) {
            // A middle link's object altered: its SHA-256 no longer matches its manifest.
            byte[] altered = good.clone();
            altered[good.length / 2] ^= 1;
            Files.write(stored, altered);
            assertThatThrownBy(() -> app.restore(chain.last(), "sqlite:" + target, false, 1))
                    .hasMessageContaining("the stored object " + middle + " does not match its manifest")
                    .hasMessageContaining("link 3 of 4 of the chain of " + chain.last());
            assertThat(target).doesNotExist();
            assertThatThrownBy(() -> app.restore(chain.last(), "sqlite:" + existing, true, 1))
                    .hasMessageContaining(middle);
            assertThat(DatabaseSnapshot.of(existing)).isEqualTo(before);
            d1.resetCounters();
            assertThatThrownBy(() -> app.restore(chain.last(), "d1", false, 1)).hasMessageContaining(middle);
            assertThat(d1.requests()).as("no request reached D1").isZero();
            assertThatThrownBy(() -> app.verify(chain.last())).hasMessageContaining(middle);
            // Links after the altered one are not needed for a point before it.
            app.restore(chain.last(), "sqlite:" + tmp.resolve("before-it.db"), false, 1, null, chain.names().get(1));
            assertThat(DatabaseSnapshot.of(tmp.resolve("before-it.db"))).isEqualTo(chain.points().get(1));
            Files.write(stored, good);

            // A middle link's manifest gone.
            Path manifest = backups.resolve(middle + Manifest.SUFFIX);
            String manifestText = Files.readString(manifest);
            Files.delete(manifest);
            assertThatThrownBy(() -> app.restore(chain.last(), "sqlite:" + target, false, 1))
                    .hasMessageContaining("the chain of " + chain.last() + " is broken: the manifest of " + middle
                            + " (the parent of " + chain.names().get(3) + ") is missing");
            assertThat(target).doesNotExist();

            // A middle link replaced by another backup (object and manifest consistent, but not the parent recorded).
            ObjectNode replaced = (ObjectNode) JSON.readTree(manifestText);
            replaced.put("sha256", "0".repeat(64));
            Files.writeString(manifest, replaced.toString());
            assertThatThrownBy(() -> app.verify(chain.last()))
                    .hasMessageContaining(middle + " is not the backup " + chain.names().get(3) + " was taken on top of");
            Files.writeString(manifest, manifestText);

            // A middle link's object gone, its manifest left.
            Files.delete(stored);
            assertThatThrownBy(() -> app.restore(chain.last(), "sqlite:" + target, false, 1))
                    .hasMessageContaining("the object " + middle + " is missing");
            assertThat(target).doesNotExist();
            Files.write(stored, good);

            // Mended: it restores and verifies again.
            app.restore(chain.last(), "sqlite:" + target, false, 1);
            assertThat(DatabaseSnapshot.of(target)).isEqualTo(chain.points().get(3));
            assertThat(app.verify(chain.last()).ok()).isTrue();
            // --replace applies to the first link: the target's own objects the full backup recreates are dropped.
            app.restore(chain.last(), "sqlite:" + existing, true, 1);
            assertThat(DatabaseSnapshot.of(existing)).isEqualTo(chain.points().get(3));
        }
        assertThat(DatabaseSnapshot.of(d1, restoreId)).as("the D1 target untouched").isEqualTo(
                DatabaseSnapshot.of(d1, d1.createDatabase("empty")));
    }

    /** verify reports a wrong row count of an incremental's table against the keys its manifest counted. */
    @Test
    void verifyComparesTheLastLinksKeyCounts() throws Exception {
        Path db = IncrementalFixture.create(tmp, "shop", 60);
        Path backups = tmp.resolve("backups");
        Chain chain = sqliteChain(db, backups, 1, Map.of());
        Path manifest = backups.resolve(chain.last() + Manifest.SUFFIX);
        ObjectNode m = (ObjectNode) JSON.readTree(Files.readString(manifest));
        long keys = m.path("changes").path("users").path("keys").asLong();
        assertThat(keys).isEqualTo(DatabaseSnapshot.of(db).get("users").size());
        ((ObjectNode) m.path("changes").path("users")).put("keys", keys + 1);
        Files.writeString(manifest, m.toString());
        try (BackupApplication app = BackupApplication.start(restoring(backups, null))) {
            Verification report = app.verify(chain.last());
            assertThat(report.ok()).isFalse();
            assertThat(report.summary()).contains("FAIL  row counts: users has " + keys + ", expected " + (keys + 1));

            // A backup that was written to while it ran: the same difference is only a warning.
            m.putObject("timeTravel").put("bookmarkBefore", "a").put("bookmarkAfter", "b").put("consistent", false);
            Files.writeString(manifest, m.toString());
            report = app.verify(chain.last());
            assertThat(report.ok()).as(report.summary()).isTrue();
            assertThat(report.summary()).contains("row counts: warning: users has " + keys);
        }
    }

    @Test
    void aChainOfAD1DatabaseRestoresIntoAFreshD1AndIntoSqlite() throws Exception {
        Path file = IncrementalFixture.create(tmp, "shop", 200);
        String sourceId = d1.addDatabase("src", file);
        Path backups = tmp.resolve("backups");
        Path identity = tmp.resolve("identity.txt");
        Map<String, String> settings = IncrementalFixture.strategies(Backups.smallPages(Backups.d1(d1, sourceId)));
        settings.put("backup.incremental", "true");
        settings.put("backup.compression", "gzip");
        settings.put("backup.encryption", "age");
        settings.put("age.recipients", AgeKeys.generate(identity));
        Chain chain = chain(settings, backups, 2, round -> d1.execute(sourceId, IncrementalFixture.changeStatements(round)),
                () -> DatabaseSnapshot.of(d1, sourceId));
        assertThat(chain.last()).endsWith(".sql.gz.age");
        assertThat(chain.points().get(2)).isNotEqualTo(chain.points().get(0));

        String restoreId = d1.createDatabase("restore");
        Map<String, String> restore = restoring(backups, restoreId);
        restore.put("age.identity", AgeKeys.identity(identity));
        try (BackupApplication app = BackupApplication.start(restore)) {
            d1.resetCounters();
            RestoreResult toD1 = app.restore(chain.last(), "d1", false, 1);
            LOG.info("Chain of 3 restored into D1: {} statements in {} requests ({} counted by D1's front)",
                    toD1.statements(), toD1.requests(), d1.requests());
            assertThat(DatabaseSnapshot.of(d1, restoreId)).isEqualTo(chain.points().get(2));
            assertThat(toD1.links()).isEqualTo(chain.names());

            Path intoSqlite = tmp.resolve("restored.db");
            app.restore(chain.last(), "sqlite:" + intoSqlite, false, 1);
            assertThat(DatabaseSnapshot.of(intoSqlite)).isEqualTo(chain.points().get(2));

            String atId = d1.createDatabase("at");
            Map<String, String> at = new HashMap<>(restore);
            at.put("restore.d1.database.id", atId);
            try (BackupApplication other = BackupApplication.start(at)) {
                other.restore(chain.last(), "d1", false, 1, null, chain.names().get(1));
            }
            assertThat(DatabaseSnapshot.of(d1, atId)).isEqualTo(chain.points().get(1));

            Verification report = app.verify(chain.last());
            assertThat(report.ok()).as(report.summary()).isTrue();
        }
    }

    /** A chain in R2 (S3Proxy): the links are found by bucket and prefix, downloaded one at a time. */
    @Test
    void aChainInR2RestoresAndABrokenOneIsRefused() throws Exception {
        try (S3ProxyServer s3 = new S3ProxyServer()) {
            s3.createBucket("chain");
            Path db = IncrementalFixture.create(tmp, "shop", 80);
            Map<String, String> settings = s3.settings(IncrementalFixture.strategies(Backups.sqlite(db)));
            settings.put("backup.incremental", "true");
            settings.put("backup.target", "r2");
            settings.put("r2.bucket", "chain");
            settings.put("backup.prefix", "shop");
            settings.put("backup.compression", "gzip");
            Chain chain = chain(settings, tmp.resolve("unused"), 2, round -> IncrementalFixture.changes(db, round),
                    () -> DatabaseSnapshot.of(db), (backups, name) -> JSON.readValue(
                            s3.get("chain", "shop/" + name + Manifest.SUFFIX), Manifest.class));

            Map<String, String> restore = s3.settings(restoring(tmp.resolve("unused"), null));
            restore.put("backup.target", "r2");
            restore.put("r2.bucket", "chain");
            restore.put("backup.prefix", "shop");
            try (BackupApplication app = BackupApplication.start(restore)) {
                Path restored = tmp.resolve("restored.db");
                assertThat(app.restore(chain.last(), "sqlite:" + restored, false, 1).links()).isEqualTo(chain.names());
                assertThat(DatabaseSnapshot.of(restored)).isEqualTo(chain.points().get(2));
                assertThat(app.verify(chain.last()).ok()).isTrue();

                String middle = chain.names().get(1);
                s3.client().deleteObject(b -> b.bucket("chain").key("shop/" + middle + Manifest.SUFFIX));
                assertThatThrownBy(() -> app.restore(chain.last(), "sqlite:" + tmp.resolve("x.db"), false, 1))
                        .hasMessageContaining("the manifest of " + middle + " (the parent of " + chain.last()
                                + ") is missing from r2:chain");
                assertThat(tmp.resolve("x.db")).doesNotExist();
            }
            try (var work = Files.list(tmp.resolve("work"))) {
                assertThat(work.toList()).as("every download removed").isEmpty();
            }
        }
    }

    private static Manifest manifest(Path backups, String name) throws Exception {
        return JSON.readValue(backups.resolve(name + Manifest.SUFFIX).toFile(), Manifest.class);
    }
}
