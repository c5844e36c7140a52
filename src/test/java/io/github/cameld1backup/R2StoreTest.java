package io.github.cameld1backup;

import io.github.cameld1backup.testing.AgeKeys;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.github.cameld1backup.format.AesGcmDataFormat;
import io.github.cameld1backup.model.BackupResult;
import io.github.cameld1backup.model.Manifest;
import io.github.cameld1backup.testing.Backups;
import io.github.cameld1backup.testing.WorkerdD1;
import io.github.cameld1backup.testing.DatabaseSnapshot;
import io.github.cameld1backup.testing.Fixtures;
import io.github.cameld1backup.testing.S3ProxyServer;
import io.github.cameld1backup.testing.Sqlite3Cli;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import java.util.zip.GZIPInputStream;
import javax.crypto.Cipher;
import javax.crypto.spec.GCMParameterSpec;
import javax.crypto.spec.SecretKeySpec;
import org.awaitility.core.ConditionTimeoutException;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.services.s3.model.PutObjectRequest;
import software.amazon.awssdk.core.sync.RequestBody;

/** Backups stored in an S3-compatible server (S3Proxy, signatures checked), as they would be in R2. */
class R2StoreTest {

    static final String KEY = "8f1e2d3c4b5a69788796a5b4c3d2e1f00f1e2d3c4b5a69788796a5b4c3d2e1f0";
    static S3ProxyServer s3;
    static WorkerdD1 d1;
    static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path tmp;

    @BeforeAll
    static void start() throws Exception {
        s3 = new S3ProxyServer();
        d1 = new WorkerdD1();
    }

    @AfterAll
    static void stop() throws Exception {
        s3.close();
        d1.close();
    }

    private Map<String, String> d1Backup(String fixture, String bucket) throws Exception {
        Path db = Fixtures.create(fixture, tmp);
        Map<String, String> settings = s3.settings(Backups.d1(d1, d1.addDatabase(fixture, db)));
        settings.put("backup.target", "r2");
        settings.put("r2.bucket", bucket);
        settings.put("backup.compression", "gzip");
        return settings;
    }

    @Test
    void aesGcmBackupFromD1RestoresWithZeroDifferences() throws Exception {
        s3.createBucket("aes");
        Map<String, String> settings = d1Backup("schema_zoo", "aes");
        settings.put("encryption.key", KEY);
        settings.put("backup.prefix", "d1/prod");
        BackupResult result = Backups.run(settings, tmp.resolve("unused"));

        String name = Path.of(result.location()).getFileName().toString();
        assertThat(name).matches("schema_zoo-\\d{8}T\\d{6}Z\\.sql\\.gz\\.enc");
        assertThat(result.location()).isEqualTo("r2://aes/d1/prod/" + name);
        assertThat(s3.keys("aes")).containsExactlyInAnyOrder("d1/prod/" + name, "d1/prod/" + name + Manifest.SUFFIX);
        assertThat(s3.head("aes", "d1/prod/" + name).contentType()).isEqualTo("application/octet-stream");
        assertThat(s3.head("aes", "d1/prod/" + name).metadata()).containsEntry("encryption", "aes-256-gcm")
                .containsEntry("compression", "gzip");

        byte[] stored = s3.get("aes", "d1/prod/" + name);
        Manifest manifest = JSON.readValue(s3.get("aes", "d1/prod/" + name + Manifest.SUFFIX), Manifest.class);
        assertThat(manifest.sha256()).isEqualTo(HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(stored)));
        assertThat(manifest.storedBytes()).isEqualTo(stored.length);
        assertThat(manifest.encryption().scheme()).isEqualTo("aes-256-gcm");
        assertThat(manifest.tables()).containsEntry("parent", 5L).containsEntry("empty_one", 0L);
        assertThat(new String(s3.get("aes", "d1/prod/" + name + Manifest.SUFFIX), StandardCharsets.UTF_8))
                .doesNotContainIgnoringCase(KEY);

        // Decrypt as a browser would (iv || ciphertext+tag), gunzip, load with sqlite3.
        Cipher aes = Cipher.getInstance("AES/GCM/NoPadding");
        aes.init(Cipher.DECRYPT_MODE, new SecretKeySpec(HexFormat.of().parseHex(KEY), "AES"),
                new GCMParameterSpec(AesGcmDataFormat.TAG_BITS, stored, 0, AesGcmDataFormat.IV_BYTES));
        byte[] gz = aes.doFinal(stored, AesGcmDataFormat.IV_BYTES, stored.length - AesGcmDataFormat.IV_BYTES);
        assertRestores(gunzip(gz), tmp.resolve("schema_zoo.db"));
    }

    @Test
    void ageBackupDecryptsWithTheAgeToolAndRestores() throws Exception {
        s3.createBucket("age");
        Path identity = tmp.resolve("identity.txt");
        String recipient = AgeKeys.generate(identity);
        Map<String, String> settings = d1Backup("edge_values", "age");
        settings.put("age.recipients", recipient);
        BackupResult result = Backups.run(settings, tmp.resolve("unused"));
        String key = Path.of(result.location()).getFileName().toString();
        assertThat(key).endsWith(".sql.gz.age");

        Path sealed = tmp.resolve(key);
        Files.write(sealed, s3.get("age", key));
        Path gz = tmp.resolve("dump.sql.gz");
        Process age = new ProcessBuilder("age", "-d", "-i", identity.toString(), "-o", gz.toString(), sealed.toString())
                .redirectErrorStream(true).start();
        String said = new String(age.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(age.waitFor(1, TimeUnit.MINUTES)).isTrue();
        assertThat(age.exitValue()).as(said).isZero();
        assertRestores(gunzip(Files.readAllBytes(gz)), tmp.resolve("edge_values.db"));

        Manifest manifest = JSON.readValue(s3.get("age", key + Manifest.SUFFIX), Manifest.class);
        assertThat(manifest.encryption().recipients()).containsExactly(recipient);
    }

    @Test
    void largeBackupsGoUpInEqualMultipartParts() throws Exception {
        s3.createBucket("multi");
        Path db = Fixtures.manyRows(tmp, "many", 200_000);
        Map<String, String> settings = s3.settings(Backups.sqlite(db));
        settings.put("backup.target", "r2:multi");
        settings.put("backup.upload.part.size", String.valueOf(5 * 1024 * 1024));
        BackupResult result = Backups.run(settings, tmp.resolve("unused"));

        String key = Path.of(result.location()).getFileName().toString();
        assertThat(result.storedBytes()).isGreaterThan(10L * 1024 * 1024);
        // A multipart object's ETag ends with -<parts>.
        long parts = (result.storedBytes() + 5 * 1024 * 1024 - 1) / (5 * 1024 * 1024);
        assertThat(s3.head("multi", key).eTag()).endsWith("-" + parts + "\"");
        assertThat(s3.multipartUploadsInProgress("multi")).isZero();
        Path restoredFrom = tmp.resolve("many.sql");
        Files.write(restoredFrom, s3.get("multi", key));
        Path restored = tmp.resolve("restored.db");
        Sqlite3Cli.load(restored, restoredFrom);
        assertThat(DatabaseSnapshot.of(restored)).isEqualTo(DatabaseSnapshot.of(db));
    }

    @Test
    void severalTargetsEachGetACopy() throws Exception {
        s3.createBucket("copy-a");
        s3.createBucket("copy-b");
        Path db = Fixtures.create("schema_zoo", tmp);
        Map<String, String> settings = s3.settings(Backups.sqlite(db));
        settings.put("backup.target", "r2:copy-a, r2:copy-b, file:" + tmp.resolve("local"));
        settings.put("backup.compression", "gzip");
        BackupResult result = Backups.run(settings, tmp.resolve("unused"));

        assertThat(result.locations()).hasSize(3);
        String key = Path.of(result.location()).getFileName().toString();
        byte[] a = s3.get("copy-a", key);
        assertThat(s3.get("copy-b", key)).isEqualTo(a);
        assertThat(Files.readAllBytes(tmp.resolve("local").resolve(key))).isEqualTo(a);
        assertThat(tmp.resolve("local").resolve(key + Manifest.SUFFIX)).exists();
    }

    @Test
    void aFailingTargetFailsTheRunAndSaysWhichCopiesSucceeded() throws Exception {
        s3.createBucket("good");
        Path db = Fixtures.create("schema_zoo", tmp);
        Map<String, String> settings = s3.settings(Backups.sqlite(db));
        settings.put("backup.target", "r2:good,r2:no-such-bucket");
        settings.put("backup.upload.retries", "1");
        settings.put("backup.upload.retry.delay", "10");
        Path work = tmp.resolve("work");
        settings.put("backup.work.dir", work.toString());

        assertThatThrownBy(() -> Backups.run(settings, tmp.resolve("unused")))
                .hasMessageContaining("stored on r2:good").hasMessageContaining("failed on r2:no-such-bucket");
        assertThat(s3.keys("good")).hasSize(2);
        try (var files = Files.list(work)) {
            assertThat(files.toList()).as("scratch files removed").isEmpty();
        }
    }

    @Test
    void anUnreachableBucketFailsTheRunButNotTheCamelContext() throws Exception {
        Path db = Fixtures.create("schema_zoo", tmp);
        Map<String, String> settings = Backups.sqlite(db);
        settings.put("backup.target", "r2:anywhere");
        settings.put("r2.access.key.id", "k");
        settings.put("r2.secret.access.key", "s");
        settings.put("r2.endpoint", "http://127.0.0.1:9"); // nothing listens on the discard port
        settings.put("backup.upload.retries", "0");
        settings.put("backup.target", "r2:anywhere");
        settings.put("backup.work.dir", tmp.resolve("work").toString());
        settings.put("backup.compression", "none");
        try (BackupApplication app = BackupApplication.start(settings)) {
            assertThatThrownBy(app::backup).hasMessageContaining("failed on r2:anywhere");
            assertThat(app.context().isStarted()).isTrue();
            assertThat(app.context().getRouteController().getRouteStatus("backup").isStarted()).isTrue();
        }
    }

    @Test
    void listShowsTheBackupsOfATargetNewestFirst() throws Exception {
        s3.createBucket("listing");
        s3.client().putObject(PutObjectRequest.builder().bucket("listing").key("p/unrelated.txt").build(),
                RequestBody.fromString("not a backup"));
        s3.client().putObject(PutObjectRequest.builder().bucket("listing").key("p/deeper/x.sql.manifest.json").build(),
                RequestBody.fromString("{}"));
        Path db = Fixtures.create("edge_values", tmp);
        Map<String, String> settings = s3.settings(Backups.sqlite(db));
        settings.put("backup.target", "r2:listing");
        settings.put("backup.prefix", "p/");
        BackupResult first = Backups.run(settings, tmp.resolve("unused"));
        Backups.awaitNextName(first); // names carry the second
        BackupResult second = Backups.run(settings, tmp.resolve("unused"));

        Map<String, String> listSettings = new HashMap<>(settings);
        listSettings.remove("backup.source");
        try (BackupApplication app = BackupApplication.start(listSettings)) {
            List<Manifest> listed = app.list(null);
            assertThat(listed).extracting(Manifest::object).containsExactly(
                    Path.of(second.location()).getFileName().toString(), Path.of(first.location()).getFileName().toString());
            assertThat(listed.get(0).rows()).isEqualTo(first.rows());
        }
    }

    /** Restore by name from R2: the object comes down through aws2-s3's getObject, checked against its manifest. */
    @Test
    void restoreByNameDownloadsFromR2() throws Exception {
        s3.createBucket("restoring");
        Path db = Fixtures.create("edge_values", tmp);
        Map<String, String> settings = s3.settings(Backups.sqlite(db));
        settings.put("backup.target", "r2:restoring");
        settings.put("backup.prefix", "p/");
        settings.put("backup.work.dir", tmp.resolve("work").toString());
        BackupResult result = Backups.run(settings, tmp.resolve("unused"));
        String name = Path.of(result.location()).getFileName().toString();

        try (BackupApplication app = BackupApplication.start(settings)) {
            Path restored = tmp.resolve("restored.db");
            app.restore(name, "sqlite:" + restored, false, 1);
            assertThat(DatabaseSnapshot.of(restored)).isEqualTo(DatabaseSnapshot.of(db));
            assertThatThrownBy(() -> app.restore("edge_values-20200101T000000Z.sql", "sqlite:" + tmp.resolve("none.db"),
                    false, 1)).hasMessageContaining("no backup");
        }
    }

    /** aws2-s3's listObjects answers 1000 keys a page: a backup listed after them is still found. */
    @Test
    void listPagesPastAThousandObjects() throws Exception {
        s3.createBucket("crowded");
        for (int i = 0; i < 1005; i++) { // "a-..." sorts before the backup's name
            s3.client().putObject(PutObjectRequest.builder().bucket("crowded").key("p/a-%04d.txt".formatted(i)).build(),
                    RequestBody.fromString("x"));
        }
        Path db = Fixtures.create("edge_values", tmp);
        Map<String, String> settings = s3.settings(Backups.sqlite(db));
        settings.put("backup.target", "r2:crowded");
        settings.put("backup.prefix", "p/");
        BackupResult result = Backups.run(settings, tmp.resolve("unused"));

        try (BackupApplication app = BackupApplication.start(settings)) {
            assertThat(app.list(null)).extracting(Manifest::object)
                    .containsExactly(Path.of(result.location()).getFileName().toString());
        }
    }

    /** The first upload attempt fails (a file sits where the target folder should be); the retry succeeds. */
    @Test
    void aFailedUploadIsRetriedFromTheStagedFileWithoutReadingD1Again() throws Exception {
        Path db = Fixtures.create("schema_zoo", tmp);
        String id = d1.addDatabase("retry", db);
        Path target = tmp.resolve("target");
        Files.writeString(target, "in the way"); // the folder cannot be created until this is gone
        Path work = tmp.resolve("work");
        Map<String, String> settings = Backups.d1(d1, id);
        settings.put("backup.target", "file:" + target);
        settings.put("backup.work.dir", work.toString());
        settings.put("backup.upload.retries", "3");
        settings.put("backup.upload.retry.delay", "1500");
        Thread unblock = new Thread(() -> {
            try {
                // The staged file appears once the dump is done; the first upload attempt follows at once.
                await().atMost(Duration.ofMinutes(2)).pollInterval(Duration.ofMillis(5))
                        .ignoreExceptions() // the work folder is not there yet
                        .until(() -> {
                            try (Stream<Path> files = Files.list(work)) {
                                return files.anyMatch(p -> p.toString().endsWith(".gz"));
                            }
                        });
                Thread.sleep(500); // a deliberate delay: past the first attempt, before the retry (1.5 s later)
                Files.delete(target);
            } catch (ConditionTimeoutException e) {
                // the test fails on its own assertions
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        });
        unblock.start();
        long before = d1.requests();
        settings.put("backup.compression", "gzip");
        BackupResult result = Backups.run(settings, tmp.resolve("unused"));
        unblock.join();

        assertThat(Path.of(result.location())).exists().startsWith(target);
        // One name lookup, sqlite_master, one PRAGMA batch, one page per table (18), two Time Travel
        // bookmarks: nothing read twice.
        assertThat(d1.requests() - before).isEqualTo(3 + 18 + 2);
    }

    /** A backup JVM killed in the middle of a multipart upload leaves no object, and the next run clears its parts. */
    @Test
    void aRunKilledMidUploadLeavesNoBackup() throws Exception {
        s3.createBucket("killed");
        Path db = Fixtures.manyRows(tmp, "big", 1_200_000);
        ProcessBuilder pb = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp", System.getProperty("java.class.path"), BackupCli.class.getName(),
                "backup", "--source", "sqlite:" + db, "--target", "r2:killed", "--compression", "none")
                .directory(Files.createDirectories(tmp.resolve("child")).toFile())
                .redirectErrorStream(true).redirectOutput(tmp.resolve("child.log").toFile());
        Map<String, String> env = pb.environment();
        env.put("R2_ACCESS_KEY_ID", S3ProxyServer.ACCESS_KEY);
        env.put("R2_SECRET_ACCESS_KEY", S3ProxyServer.SECRET_KEY);
        env.put("R2_ENDPOINT", s3.endpoint());
        env.put("BACKUP_UPLOAD_PART_SIZE", String.valueOf(5 * 1024 * 1024));
        env.put("BACKUP_WORK_DIR", tmp.resolve("child-work").toString());
        Process child = pb.start();
        try {
            // Polled often: the child must be killed while its upload is still going.
            await().atMost(Duration.ofMinutes(2)).pollDelay(Duration.ZERO).pollInterval(Duration.ofMillis(2))
                    .until(() -> s3.multipartUploadsInProgress("killed") > 0 || !child.isAlive());
        } catch (ConditionTimeoutException e) {
            // the assertions below say what happened
        }
        boolean killed = child.isAlive();
        child.destroyForcibly().waitFor();
        assertThat(killed).as(() -> "child still running when its upload began: " + log(tmp.resolve("child.log"))).isTrue();
        assertThat(s3.multipartUploadsInProgress("killed")).as("killed during its upload").isEqualTo(1);
        assertThat(s3.keys("killed")).as("no object, no manifest").isEmpty();

        Map<String, String> settings = s3.settings(Backups.sqlite(Fixtures.create("edge_values", tmp)));
        settings.put("backup.target", "r2:killed");
        settings.put("backup.upload.abandoned.after", "PT0S");
        Backups.run(settings, tmp.resolve("unused"));
        assertThat(s3.multipartUploadsInProgress("killed")).isZero();
        assertThat(s3.keys("killed")).hasSize(2);
    }

    private static String log(Path file) {
        try {
            return Files.readString(file);
        } catch (java.io.IOException e) {
            return e.toString();
        }
    }

    private static byte[] gunzip(byte[] gz) throws Exception {
        try (InputStream in = new GZIPInputStream(new java.io.ByteArrayInputStream(gz))) {
            return in.readAllBytes();
        }
    }

    private void assertRestores(byte[] sql, Path original) throws Exception {
        Path dump = tmp.resolve("restored-dump.sql");
        Files.write(dump, sql);
        Path restored = tmp.resolve("restored-" + System.nanoTime() + ".db");
        Sqlite3Cli.load(restored, dump);
        assertThat(DatabaseSnapshot.of(restored)).isEqualTo(DatabaseSnapshot.of(original));
    }
}
