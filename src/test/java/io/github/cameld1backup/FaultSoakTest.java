package io.github.cameld1backup;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.github.cameld1backup.core.Failures;
import io.github.cameld1backup.format.AesGcmDataFormat;
import io.github.cameld1backup.model.BackupResult;
import io.github.cameld1backup.model.Manifest;
import io.github.cameld1backup.testing.Backups;
import io.github.cameld1backup.testing.WorkerdD1;
import io.github.cameld1backup.testing.WorkerdD1.Fault;
import io.github.cameld1backup.testing.DatabaseSnapshot;
import io.github.cameld1backup.testing.FaultyBlobStore;
import io.github.cameld1backup.testing.Fixtures;
import io.github.cameld1backup.testing.ResettingProxy;
import io.github.cameld1backup.testing.S3ProxyServer;
import io.github.cameld1backup.testing.Sqlite3Cli;
import java.io.ByteArrayInputStream;
import java.io.InputStream;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.BiFunction;
import java.util.function.LongFunction;
import java.util.stream.Stream;
import java.util.zip.GZIPInputStream;
import javax.crypto.Cipher;
import javax.crypto.spec.GCMParameterSpec;
import javax.crypto.spec.SecretKeySpec;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Many backups from the D1 emulator to S3Proxy, each under a seeded random mix of faults on both
 * sides (429 storms, 5xx, D1's passing errors, cut-off and truncated answers, connections reset
 * mid-answer, slow answers; some outlasting the retries). Every run must end with a backup that
 * restores to exactly the source, or fail cleanly: a clear message, a backup.failed alert, no
 * scratch file, no object without its manifest, no unfinished upload once a later run sweeps.
 * Runs: -Dfaults.runs (bench/faults.sh uses 50); seed: -Dfaults.seed.
 */
class FaultSoakTest {

    static final String KEY = "8f1e2d3c4b5a69788796a5b4c3d2e1f00f1e2d3c4b5a69788796a5b4c3d2e1f0";
    static final String BUCKET = "soak";
    /** The fixtures, and a database of random BLOBs whose backups (over 5 MiB) go up as multipart uploads. */
    static final List<String> FIXTURES = List.of("schema_zoo", "edge_values", "large_values", "schema_zoo", "edge_values",
            "incompressible");
    static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path tmp;

    @Test
    void backupsUnderInjectedFaultsAreCorrectOrFailCleanly() throws Exception {
        int runs = Integer.getInteger("faults.runs", 6);
        long seed = Long.getLong("faults.seed", 20261122L);
        AtomicReference<FaultyBlobStore> store = new AtomicReference<>();
        try (WorkerdD1 d1 = new WorkerdD1();
             S3ProxyServer s3 = new S3ProxyServer(b -> {
                 store.set(new FaultyBlobStore(b));
                 return store.get();
             });
             ResettingProxy d1Front = new ResettingProxy(URI.create(d1.baseUrl()).getPort());
             ResettingProxy s3Front = new ResettingProxy(s3.port());
             AlertsTest.Webhook hook = new AlertsTest.Webhook(0)) {
            FaultyBlobStore faults = store.get();
            s3.createBucket(BUCKET);
            Map<String, String> ids = new HashMap<>();
            Map<String, TreeMap<String, List<String>>> expected = new HashMap<>();
            for (String fixture : new HashSet<>(FIXTURES)) {
                Path dir = Files.createDirectories(tmp.resolve("sources"));
                Path db = fixture.equals("incompressible") ? Fixtures.incompressible(dir, fixture, 6 << 20)
                        : Fixtures.create(fixture, dir);
                ids.put(fixture, d1.addDatabase(fixture, db));
                expected.put(fixture, DatabaseSnapshot.of(db));
            }
            Path work = tmp.resolve("work");

            int succeeded = 0;
            int failedCleanly = 0;
            int corrupt = 0;
            List<String> problems = new ArrayList<>();
            Set<String> seen = new HashSet<>();
            for (int i = 0; i < runs; i++) {
                Random r = new Random(seed * 31 + i);
                String fixture = FIXTURES.get(r.nextInt(FIXTURES.size()));
                boolean encrypted = r.nextBoolean();
                Map<String, String> s = settings(d1, ids.get(fixture), d1Front, s3Front, hook, work, encrypted, r);

                d1.resetCounters();
                d1.faults(d1Faults(r));
                faults.faults(s3Faults(r));
                d1Front.resets(ResettingProxy.randomly(r.nextLong(), r.nextDouble() * 0.15, 3000));
                s3Front.resets(ResettingProxy.randomly(r.nextLong(), r.nextDouble() * 0.15, 600));
                int alertsBefore = hook.received.size();
                BackupResult result = null;
                Exception failure = null;
                try {
                    result = Backups.run(s, tmp.resolve("unused"));
                } catch (Exception e) {
                    failure = e;
                }
                d1.stopFailing();
                faults.stopFailing();
                d1Front.stopResetting();
                s3Front.stopResetting();

                String run = "run " + i + " (" + fixture + (encrypted ? ", aes-256-gcm" : ", gzip") + ")";
                List<String> wrong = new ArrayList<>();
                for (String problem : bucketProblems(s3)) {
                    if (seen.add(problem)) { // each left-over reported once, by the run that left it
                        wrong.add(problem);
                    }
                }
                try (Stream<Path> left = Files.list(work)) {
                    left.forEach(p -> wrong.add("scratch file left: " + p.getFileName()));
                }
                if (result != null) {
                    String key = result.location().substring(("r2://" + BUCKET + "/").length());
                    if (!restoresExactly(s3, key, encrypted, expected.get(fixture))) {
                        corrupt++;
                        problems.add(run + ": stored backup " + key + " does not restore to the source");
                    }
                    if (hook.received.size() != alertsBefore) {
                        wrong.add("an alert for a backup that succeeded");
                    }
                } else {
                    String message = Failures.message(failure);
                    if (message == null || message.isBlank() || message.contains("\n") || message.contains("Exception")) {
                        wrong.add("unclear failure message: " + message);
                    }
                    List<String> alerts = hook.received.subList(alertsBefore, hook.received.size());
                    JsonNode alert = alerts.size() == 1 ? JSON.readTree(alerts.get(0)) : null;
                    if (alert == null || !alert.path("event").asText().equals("backup.failed")
                            || !message.contains(alert.path("error").asText("?"))) {
                        wrong.add("expected one backup.failed alert saying '" + message + "', got " + alerts);
                    }
                    System.out.println("fault soak: " + run + " failed: " + message);
                }
                if (wrong.stream().anyMatch(w -> w.startsWith("corrupt"))) {
                    corrupt++;
                }
                if (wrong.isEmpty() && result != null) {
                    succeeded++;
                } else if (wrong.isEmpty()) {
                    failedCleanly++;
                }
                wrong.forEach(w -> problems.add(run + ": " + w));
            }

            // A last run without faults sweeps what the failed runs left (abandoned.after is 0 here).
            Backups.run(settings(d1, ids.get("edge_values"), d1Front, s3Front, hook, work, false, new Random(seed)),
                    tmp.resolve("unused"));
            if (s3.multipartUploadsInProgress(BUCKET) != 0) {
                problems.add(s3.multipartUploadsInProgress(BUCKET) + " unfinished multipart uploads after a sweep");
            }

            System.out.println("fault soak: " + runs + " runs, " + succeeded + " succeeded, " + failedCleanly
                    + " failed cleanly, " + corrupt + " corrupt");
            assertThat(problems).isEmpty();
            assertThat(corrupt).isZero();
            assertThat(succeeded + failedCleanly).isEqualTo(runs);
        }
    }

    private Map<String, String> settings(WorkerdD1 d1, String id, ResettingProxy d1Front, ResettingProxy s3Front,
                                         AlertsTest.Webhook hook, Path work, boolean encrypted, Random r) {
        Map<String, String> s = Backups.d1(d1, id);
        s.put("cloudflare.api.base.url", "http://127.0.0.1:" + d1Front.port() + "/client/v4");
        s.put("r2.access.key.id", S3ProxyServer.ACCESS_KEY);
        s.put("r2.secret.access.key", S3ProxyServer.SECRET_KEY);
        s.put("r2.endpoint", "http://127.0.0.1:" + s3Front.port());
        s.put("backup.target", "r2:" + BUCKET);
        s.put("backup.compression", "gzip");
        if (encrypted) {
            s.put("encryption.key", KEY);
        }
        s.put("backup.upload.part.size", String.valueOf(5 << 20)); // R2's and S3Proxy's smallest
        if (r.nextBoolean()) {
            Backups.smallPages(s); // more D1 requests, more chances of a fault
        }
        s.put("d1.retries", "3");
        s.put("d1.retry.delay", "PT0.01S");
        s.put("d1.request.window", "PT0.5S"); // a 429 without Retry-After waits out the window: short here
        s.put("backup.upload.retries", "2");
        s.put("backup.upload.retry.delay", "10");
        s.put("backup.upload.abandoned.after", "PT0S");
        s.put("backup.work.dir", work.toString());
        s.put("alert.webhook.url", hook.url());
        s.put("alert.retry.delay", "10");
        return s;
    }

    /** Scattered faults of every kind, and sometimes an outage longer or shorter than the retries. */
    private static LongFunction<Fault> d1Faults(Random r) {
        List<Fault> kinds = List.of(
                Fault.status(500, "D1 DB is overloaded. Requests queued for too long."),
                Fault.status(503, "Service unavailable"),
                Fault.tooManyRequests(0),
                Fault.of(Fault.Kind.CUT_OFF),
                Fault.of(Fault.Kind.RESET),
                Fault.of(Fault.Kind.TRUNCATED_JSON),
                Fault.slow(50 + r.nextInt(150)));
        LongFunction<Fault> scattered = Fault.randomly(r.nextLong(), r.nextDouble() * 0.25, kinds);
        boolean outage = r.nextInt(4) == 0;
        long from = 1 + r.nextInt(12);
        long to = from + 2 + r.nextInt(5); // 3 to 7 requests: sometimes more than the 3 retries
        Fault storm = r.nextBoolean() ? Fault.tooManyRequests(0) : kinds.get(r.nextInt(kinds.size() - 1));
        return n -> outage && n >= from && n < to ? storm : scattered.apply(n);
    }

    private static BiFunction<Long, String, FaultyBlobStore.Fault> s3Faults(Random r) {
        List<FaultyBlobStore.Fault> kinds = List.of(FaultyBlobStore.Fault.error(500), FaultyBlobStore.Fault.error(503),
                FaultyBlobStore.Fault.slow(50 + r.nextInt(150)));
        BiFunction<Long, String, FaultyBlobStore.Fault> scattered =
                FaultyBlobStore.Fault.randomly(r.nextLong(), r.nextDouble() * 0.2, kinds);
        boolean outage = r.nextInt(4) == 0;
        long from = 1 + r.nextInt(6);
        long to = from + 4 + r.nextInt(12); // the SDK tries 4 times, the route 3: 12 in a row fail a copy
        boolean manifestOutage = r.nextInt(8) == 0; // the object arrives, its manifest never does
        return (n, op) -> outage && n >= from && n < to || manifestOutage && op.endsWith(Manifest.SUFFIX)
                ? FaultyBlobStore.Fault.error(500) : scattered.apply(n, op);
    }

    /** Every object in the bucket has its manifest, and matches the hash the manifest records. */
    private static List<String> bucketProblems(S3ProxyServer s3) throws Exception {
        List<String> out = new ArrayList<>();
        List<String> keys = s3.keys(BUCKET);
        for (String key : keys) {
            if (key.endsWith(Manifest.SUFFIX)) {
                if (!keys.contains(key.substring(0, key.length() - Manifest.SUFFIX.length()))) {
                    out.add("manifest without its object: " + key);
                }
                continue;
            }
            if (!keys.contains(key + Manifest.SUFFIX)) {
                out.add("object without its manifest: " + key);
                continue;
            }
            Manifest manifest = JSON.readValue(s3.get(BUCKET, key + Manifest.SUFFIX), Manifest.class);
            if (!manifest.sha256().equals(sha256(s3.get(BUCKET, key)))) {
                out.add("corrupt: " + key + " does not match its manifest's SHA-256");
            }
        }
        return out;
    }

    private boolean restoresExactly(S3ProxyServer s3, String key, boolean encrypted,
                                    TreeMap<String, List<String>> expected) throws Exception {
        byte[] stored = s3.get(BUCKET, key);
        byte[] gz = stored;
        if (encrypted) {
            Cipher aes = Cipher.getInstance("AES/GCM/NoPadding");
            aes.init(Cipher.DECRYPT_MODE, new SecretKeySpec(HexFormat.of().parseHex(KEY), "AES"),
                    new GCMParameterSpec(AesGcmDataFormat.TAG_BITS, stored, 0, AesGcmDataFormat.IV_BYTES));
            gz = aes.doFinal(stored, AesGcmDataFormat.IV_BYTES, stored.length - AesGcmDataFormat.IV_BYTES);
        }
        Path dump = tmp.resolve("restore-" + System.nanoTime() + ".sql");
        try (InputStream in = new GZIPInputStream(new ByteArrayInputStream(gz))) {
            Files.write(dump, in.readAllBytes());
        }
        Path restored = tmp.resolve("restored-" + System.nanoTime() + ".db");
        Sqlite3Cli.load(restored, dump);
        return DatabaseSnapshot.of(restored).equals(expected);
    }

    private static String sha256(byte[] bytes) throws Exception {
        return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
    }
}
