package io.github.cameld1backup;

import io.github.cameld1backup.testing.AgeKeys;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.github.cameld1backup.model.BackupResult;
import io.github.cameld1backup.model.RestoreResult;
import io.github.cameld1backup.model.Manifest;
import io.github.cameld1backup.model.Verification;
import io.github.cameld1backup.testing.Backups;
import io.github.cameld1backup.testing.WorkerdD1;
import io.github.cameld1backup.testing.DatabaseSnapshot;
import io.github.cameld1backup.testing.Fixtures;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** A backup is only as good as its restore: every form, both targets, and the ways it must refuse. */
class RestoreTest {

    static final String KEY = "00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff";
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

    /** Settings for restoring: the backup's folder as target, keys, and a fresh D1 database to restore into. */
    private Map<String, String> settings(Path backups, String restoreId, Path identity) throws Exception {
        Map<String, String> s = new HashMap<>(Backups.d1(d1, "00000000-0000-4000-8000-000000000000"));
        s.remove("backup.source");
        s.put("backup.target", "file:" + backups);
        s.put("backup.work.dir", tmp.resolve("work").toString());
        s.put("encryption.key", KEY);
        s.put("backup.encryption", "none");
        if (identity != null) {
            s.put("age.identity", AgeKeys.identity(identity));
        }
        if (restoreId != null) {
            s.put("restore.d1.database.id", restoreId);
        }
        return s;
    }

    private String backupOf(Path db, Path backups, String compression, String encryption, Path identity) throws Exception {
        Map<String, String> s = Backups.d1(d1, d1.addDatabase("src", db));
        s.put("backup.compression", compression);
        s.put("backup.encryption", encryption);
        s.put("encryption.key", KEY);
        if (identity != null) {
            s.put("age.recipients", AgeKeys.generate(identity));
        }
        return Path.of(Backups.run(s, backups).location()).getFileName().toString();
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"none/none", "gzip/none", "gzip/aes-256-gcm", "gzip/age", "none/age"})
    void restoresIntoSqliteAndD1WithZeroDifferences(String form) throws Exception {
        String[] parts = form.split("/");
        Path source = Fixtures.create("schema_zoo", tmp);
        TreeMap<String, List<String>> original = DatabaseSnapshot.of(source);
        Path backups = tmp.resolve("backups");
        Path identity = parts[1].equals("age") ? tmp.resolve("identity.txt") : null;
        String name = backupOf(source, backups, parts[0], parts[1], identity);

        String restoreId = d1.createDatabase("restore");
        try (BackupApplication app = BackupApplication.start(settings(backups, restoreId, identity))) {
            Path intoSqlite = tmp.resolve("restored.db");
            RestoreResult toSqlite = app.restore(name, "sqlite:" + intoSqlite, false, 1);
            assertThat(DatabaseSnapshot.of(intoSqlite)).isEqualTo(original);
            assertThat(toSqlite.statements()).isPositive();

            RestoreResult toD1 = app.restore(name, "d1", false, 1);
            assertThat(DatabaseSnapshot.of(d1, restoreId)).isEqualTo(original);
            assertThat(toD1.requests()).isPositive();

            Verification report = app.verify(name);
            assertThat(report.ok()).as(report.summary()).isTrue();
        }
    }

    @Test
    void tamperedTruncatedAndWrongKeyBackupsAreRefusedAndTheTargetIsUnchanged() throws Exception {
        Path source = Fixtures.create("edge_values", tmp);
        Path backups = tmp.resolve("backups");
        String name = backupOf(source, backups, "gzip", "aes-256-gcm", null);
        Path stored = backups.resolve(name);
        byte[] good = Files.readAllBytes(stored);

        Path target = tmp.resolve("target.db");
        Files.copy(Fixtures.create("schema_zoo", tmp), target);
        TreeMap<String, List<String>> before = DatabaseSnapshot.of(target);
        try (BackupApplication app = BackupApplication.start(settings(backups, null, null))) {
            // Altered in store: the manifest's SHA-256 catches it before anything is decrypted.
            byte[] flipped = good.clone();
            flipped[good.length / 2] ^= 1;
            Files.write(stored, flipped);
            assertThatThrownBy(() -> app.restore(name, "sqlite:" + target, true, 1))
                    .hasMessageContaining("does not match its manifest");

            // Without a manifest to compare, decryption itself refuses: tampered, truncated.
            Path loose = tmp.resolve(name);
            Files.write(loose, flipped);
            assertThatThrownBy(() -> app.restore(loose.toString(), "sqlite:" + target, true, 1))
                    .hasMessageContaining("failed authentication");
            Files.write(loose, java.util.Arrays.copyOf(good, good.length - 40));
            assertThatThrownBy(() -> app.restore(loose.toString(), "sqlite:" + target, true, 1))
                    .hasMessageContaining("failed authentication");
        }
        Map<String, String> wrongKey = settings(backups, null, null);
        wrongKey.put("encryption.key", KEY.replace('0', 'f'));
        Files.write(stored, good);
        try (BackupApplication app = BackupApplication.start(wrongKey)) {
            assertThatThrownBy(() -> app.restore(name, "sqlite:" + target, true, 1))
                    .hasMessageContaining("failed authentication");
            assertThatThrownBy(() -> app.verify(name)).hasMessageContaining("failed authentication");
        }
        assertThat(DatabaseSnapshot.of(target)).isEqualTo(before);
        if (Files.isDirectory(tmp.resolve("work"))) {
            try (var work = Files.list(tmp.resolve("work"))) {
                assertThat(work.toList()).as("no plaintext or downloads left behind").isEmpty();
            }
        }
    }

    @Test
    void aNonEmptyTargetNeedsReplaceWhichDropsOnlyWhatTheBackupRecreates() throws Exception {
        Path source = Fixtures.create("edge_values", tmp);
        Path backups = tmp.resolve("backups");
        String name = backupOf(source, backups, "gzip", "none", null);
        Path target = tmp.resolve("target.db");
        try (var c = java.sql.DriverManager.getConnection("jdbc:sqlite:" + target); var s = c.createStatement()) {
            s.execute("CREATE TABLE \"values\" (stale)");
            s.execute("CREATE TABLE unrelated (x)");
            s.execute("INSERT INTO unrelated VALUES (42)");
        }
        try (BackupApplication app = BackupApplication.start(settings(backups, null, null))) {
            assertThatThrownBy(() -> app.restore(name, "sqlite:" + target, false, 1))
                    .hasMessageContaining("not empty").hasMessageContaining("--replace");
            app.restore(name, "sqlite:" + target, true, 1);
        }
        TreeMap<String, List<String>> restored = DatabaseSnapshot.of(target);
        assertThat(restored.get("values")).isEqualTo(DatabaseSnapshot.of(source).get("values"));
        assertThat(restored.get("unrelated")).hasSize(1);
    }

    /** D1 fails for a while mid-restore; the error names the statement; resuming there finishes the job. */
    @Test
    void aD1RestoreInterruptedByFaultsResumesToZeroDifferences() throws Exception {
        Path source = Fixtures.manyRows(tmp, "many", 3_000);
        Path backups = tmp.resolve("backups");
        Map<String, String> backup = Backups.d1(d1, d1.addDatabase("src", source));
        backup.put("backup.page.max.rows", "200");
        backup.put("backup.statement.max.bytes", "8000"); // many statements, so many requests
        String name = Path.of(Backups.run(backup, backups).location()).getFileName().toString();

        String restoreId = d1.createDatabase("restore");
        Map<String, String> s = settings(backups, restoreId, null);
        s.put("restore.d1.request.statements", "10");
        s.put("d1.retries", "1"); // the faults outlast the retries: the restore must stop and resume
        s.put("d1.retry.delay", "PT0.01S");
        try (BackupApplication app = BackupApplication.start(s)) {
            d1.resetCounters();
            d1.failRequests(n -> n >= 4 && n <= 40, 500, "D1 DB is overloaded. Requests queued for too long.");
            Throwable failure = org.assertj.core.api.Assertions.catchThrowable(() -> app.restore(name, "d1", false, 1));
            d1.stopFailing();
            assertThat(failure).hasMessageContaining("D1 DB is overloaded").hasMessageContaining("resume with --resume-from");
            long resumeAt = Long.parseLong(failure.getMessage().replaceAll("(?s).*--resume-from (\\d+).*", "$1"));
            assertThat(resumeAt).isGreaterThan(1);

            app.restore(name, "d1", false, resumeAt);
        }
        assertThat(DatabaseSnapshot.of(d1, restoreId)).isEqualTo(DatabaseSnapshot.of(source));
    }

    @Test
    void verifyFailsWhenTheBackupDoesNotMatchItsManifest() throws Exception {
        Path source = Fixtures.create("schema_zoo", tmp);
        Path backups = tmp.resolve("backups");
        String name = backupOf(source, backups, "gzip", "none", null);
        Path manifestFile = backups.resolve(name + Manifest.SUFFIX);
        String manifest = Files.readString(manifestFile);
        Files.writeString(manifestFile, manifest.replace("\"parent\" : 5", "\"parent\" : 6"));
        try (BackupApplication app = BackupApplication.start(settings(backups, null, null))) {
            Verification report = app.verify(name);
            assertThat(report.ok()).isFalse();
            assertThat(report.summary()).contains("FAIL  row counts: parent has 5, expected 6");
        }
    }

    @Test
    void backupsCanVerifyThemselvesBeforeTheyAreStored() throws Exception {
        Path source = Fixtures.create("schema_zoo", tmp);
        Map<String, String> s = Backups.sqlite(source);
        s.put("backup.verify", "true");
        BackupResult result = Backups.run(s, tmp.resolve("backups"));
        Manifest manifest = new com.fasterxml.jackson.databind.ObjectMapper().readValue(
                Path.of(result.location() + Manifest.SUFFIX).toFile(), Manifest.class);
        assertThat(manifest.verification().ok()).isTrue();
        assertThat(manifest.verification().checks()).anyMatch(c -> c.startsWith("ok integrity_check"))
                .anyMatch(c -> c.startsWith("ok row counts")).anyMatch(c -> c.startsWith("ok schema hash"));
    }
}
