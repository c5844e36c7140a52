package io.github.cameld1backup.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.github.cameld1backup.model.BackupResult;
import io.github.cameld1backup.model.Manifest;
import io.github.cameld1backup.service.RunRegistry;
import io.github.cameld1backup.testing.Backups;
import io.github.cameld1backup.testing.Fixtures;
import io.github.cameld1backup.testing.S3ProxyServer;
import io.github.cameld1backup.testing.Service;
import io.github.cameld1backup.testing.Service.Answer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The run mode's HTTP API over real HTTP on 127.0.0.1. */
class ServiceApiTest {

    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path tmp;

    private Map<String, String> settings(Path db) {
        Map<String, String> s = Backups.sqlite(db);
        s.put("backup.target", "file:" + tmp.resolve("backups"));
        s.put("backup.work.dir", tmp.resolve("work").toString());
        s.put("backup.api.failures.per.client", "1000");
        s.put("backup.api.failures.total", "1000");
        return s;
    }

    private static Map<String, String> bearer(String code) {
        return Map.of("Authorization", "Bearer " + code);
    }

    private static Answer awaitRun(Service service, String id) {
        return await("run " + id + " finishes").atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(50))
                .until(() -> service.call("GET", "/api/backup/runs/" + id, Map.of()),
                        status -> status.json().path("state").asText().equals("succeeded")
                                || status.json().path("state").asText().equals("failed"));
    }

    @Test
    void aGoodCodeStartsARunWhoseStatusShowsItsProgressToTheEnd() throws Exception {
        try (Service service = new Service(settings(Fixtures.create("schema_zoo", tmp)))) {
            assertThat(service.call("GET", "/health", Map.of()).json().path("status").asText()).isEqualTo("UP");

            Answer started = service.call("POST", "/api/backup", bearer(service.freshCode()));
            assertThat(started.status()).isEqualTo(202);
            String id = started.json().path("id").asText();
            assertThat(started.json().path("status").asText()).isEqualTo("/api/backup/runs/" + id);

            Answer done = awaitRun(service, id);
            assertThat(done.json().path("state").asText()).isEqualTo("succeeded");
            assertThat(done.json().path("tablesDone").asInt()).isEqualTo(18);
            assertThat(done.json().path("tablesTotal").asInt()).isEqualTo(18);
            assertThat(done.json().path("rows").asLong()).isEqualTo(39);
            assertThat(done.json().path("errors")).isEmpty();
            // Read by the run's id alone: the backup's name and the folder's, never the host's paths.
            String name = done.json().path("backup").asText();
            assertThat(done.json().path("locations").get(0).asText()).isEqualTo("file:backups/" + name);
            assertThat(done.toString()).doesNotContain(tmp.toString());
            Path location = tmp.resolve("backups").resolve(name);
            assertThat(location).exists();

            Answer listed = service.call("GET", "/api/backup", bearer(service.freshCode()));
            assertThat(listed.status()).isEqualTo(200);
            assertThat(listed.json().path("backups").get(0).path("object").asText()).isEqualTo(name);
            assertThat(listed.json().path("skipped")).isEmpty();

            Answer download = service.call("GET", "/api/backup/" + name, bearer(service.freshCode()));
            assertThat(download.status()).isEqualTo(200);
            assertThat(download.body()).isEqualTo(Files.readAllBytes(location));
            assertThat(download.headers().get("content-disposition")).isNotNull();
        }
    }

    /** GET /api/backup/{name} on an R2 target: the object streams from aws2-s3's getObject, with its length. */
    @Test
    void downloadsFromR2() throws Exception {
        try (S3ProxyServer s3 = new S3ProxyServer()) {
            s3.createBucket("api");
            Map<String, String> settings = s3.settings(settings(Fixtures.create("edge_values", tmp)));
            settings.put("backup.target", "r2:api");
            settings.put("backup.prefix", "p/");
            try (Service service = new Service(settings)) {
                Answer started = service.call("POST", "/api/backup", bearer(service.freshCode()));
                Answer done = awaitRun(service, started.json().path("id").asText());
                assertThat(done.json().path("state").asText()).isEqualTo("succeeded");
                String name = service.call("GET", "/api/backup", bearer(service.freshCode())).json().path("backups")
                        .get(0).path("object").asText();

                Answer download = service.call("GET", "/api/backup/" + name, bearer(service.freshCode()));
                assertThat(download.status()).isEqualTo(200);
                assertThat(download.body()).isEqualTo(s3.get("api", "p/" + name));
                assertThat(download.headers().get("content-disposition")).isNotNull();
            }
        }
    }

    @Test
    void wrongReplayedAndExpiredCodesAreRefused() throws Exception {
        try (Service service = new Service(settings(Fixtures.create("edge_values", tmp)))) {
            String code = service.freshCode();
            assertThat(service.call("POST", "/api/backup", bearer(code)).status()).isEqualTo(202);
            Answer replay = service.call("POST", "/api/backup", bearer(code));
            assertThat(replay.status()).isEqualTo(401);
            assertThat(replay.json().path("error").asText()).contains("already used");

            long now = service.totp().currentStep();
            Answer expired = service.call("POST", "/api/backup", bearer(service.totp().codeAt(now - 3)));
            assertThat(expired.status()).isEqualTo(401);
            String wrong = String.format("%06d", (Integer.parseInt(service.totp().codeAt(now)) + 1) % 1_000_000);
            assertThat(service.call("POST", "/api/backup", bearer(wrong)).status()).isEqualTo(401);
            assertThat(replay.headers().keySet()).doesNotContain("authorization");
        }
    }

    @Test
    void malformedAuthorizationIsAClearJsonRefusal() throws Exception {
        try (Service service = new Service(settings(Fixtures.create("edge_values", tmp)))) {
            List<Map<String, String>> cases = List.of(Map.of(), Map.of("Authorization", ""),
                    Map.of("Authorization", "Bearer"), Map.of("Authorization", "Bearer 1234567"),
                    Map.of("Authorization", "Bearer 12345"), Map.of("Authorization", "Bearer abcdef"),
                    Map.of("Authorization", "Basic dXNlcjpwYXNz"), Map.of("Authorization", "bearer 123456"),
                    Map.of("Authorization", "Bearer 123456 123456"),
                    Map.of("Authorization", "Bearer " + "9".repeat(2_000)));
            for (Map<String, String> headers : cases) {
                Answer a = service.call("POST", "/api/backup", headers);
                assertThat(a.status()).as(headers.toString()).isIn(400, 401, 431);
                if (a.status() == 401) {
                    assertThat(a.json().path("error").asText()).as(headers.toString()).isNotBlank();
                    assertThat(new String(a.body())).doesNotContain("Exception").doesNotContain("at io.");
                }
            }
            // A header past the server's limit (8 KiB) is refused by the HTTP server itself.
            Answer huge = service.callFrom("127.0.0.1", "POST", "/api/backup",
                    Map.of("Authorization", "Bearer " + "9".repeat(20_000)));
            assertThat(huge.status()).isIn(400, 431);
            assertThat(service.app().context().getRegistry().lookupByNameAndType("runRegistry",
                    RunRegistry.class).running()).isEmpty();
        }
    }

    /** Failed attempts are capped per client and overall; past either, 429 with Retry-After, even for a good code. */
    @Test
    void bruteForceIsLimitedPerClientAndOverall() throws Exception {
        Map<String, String> s = settings(Fixtures.create("edge_values", tmp));
        s.put("backup.api.failures.per.client", "5");
        s.put("backup.api.failures.total", "8");
        try (Service service = new Service(s)) {
            for (int i = 0; i < 5; i++) {
                assertThat(service.callFrom("127.0.0.2", "POST", "/api/backup", bearer("000000")).status()).isEqualTo(401);
            }
            Answer limited = service.call("POST", "/api/backup", Map.of());
            assertThat(limited.status()).as("another client is not limited yet (and a missing code counts no failure)")
                    .isEqualTo(401);
            Answer locked = service.callFrom("127.0.0.2", "POST", "/api/backup", bearer(service.freshCode()));
            assertThat(locked.status()).isEqualTo(429);
            assertThat(locked.json().path("error").asText()).contains("too many failed attempts");

            for (int i = 0; i < 3; i++) {
                assertThat(service.callFrom("127.0.0.3", "POST", "/api/backup", bearer("000000")).status()).isEqualTo(401);
            }
            Answer overall = service.call("POST", "/api/backup", bearer(service.freshCode()));
            assertThat(overall.status()).as("the overall budget is spent").isEqualTo(429);
            assertThat(overall.headers().get("retry-after")).isNotNull();
            assertThat(Long.parseLong(overall.headers().get("retry-after").get(0))).isPositive();
        }
    }

    /** What a thousand malformed requests get back with the default budgets: clear refusals that lock nothing. */
    @Test
    void aThousandMalformedRequestsGetClearAnswers() throws Exception {
        Map<String, String> s = settings(Fixtures.create("edge_values", tmp));
        s.remove("backup.api.failures.per.client");
        s.remove("backup.api.failures.total");
        try (Service service = new Service(s)) {
            TreeMap<Integer, Integer> tally = new TreeMap<>();
            String[] junk = {"", "Bearer", "Bearer 12", "Bearer 1234567", "Bearer abcdef", "Token 123456", "Bearer 00000o"};
            for (int i = 0; i < 1000; i++) {
                Answer a = service.call("POST", "/api/backup", Map.of("Authorization", junk[i % junk.length]));
                tally.merge(a.status(), 1, Integer::sum);
                assertThat(a.json()).isNotNull();
            }
            System.out.println("1000 malformed requests answered: " + tally);
            // Nothing was checked, so no failure budget was spent: each is a clear 401, and a good code still works.
            assertThat(tally).containsOnlyKeys(401);
            assertThat(service.call("POST", "/api/backup", bearer(service.freshCode())).status()).isEqualTo(202);
        }
    }

    @Test
    void concurrentTriggersStartExactlyOneRun() throws Exception {
        try (Service service = new Service(settings(Fixtures.manyRows(tmp, "many", 60_000)))) {
            long now = service.totp().currentStep();
            List<String> codes = List.of(service.totp().codeAt(now - 1), service.totp().codeAt(now),
                    service.totp().codeAt(now + 1));
            ExecutorService pool = Executors.newFixedThreadPool(codes.size());
            List<Future<Answer>> answers = new ArrayList<>();
            for (String code : codes) {
                answers.add(pool.submit((Callable<Answer>) () -> service.call("POST", "/api/backup", bearer(code))));
            }
            List<Integer> statuses = new ArrayList<>();
            String id = null;
            for (Future<Answer> f : answers) {
                Answer a = f.get();
                statuses.add(a.status());
                if (a.status() == 202) {
                    id = a.json().path("id").asText();
                } else if (a.status() == 409) {
                    assertThat(a.json().path("running").asText()).isNotBlank();
                }
            }
            pool.shutdown();
            assertThat(statuses).containsOnlyOnce(202).allMatch(code -> code == 202 || code == 409 || code == 401);
            assertThat(awaitRun(service, id).json().path("state").asText()).isEqualTo("succeeded");
            try (Stream<Path> files = Files.list(tmp.resolve("backups"))) {
                assertThat(files.filter(p -> p.toString().endsWith(".gz")).count()).isEqualTo(1);
            }
        }
    }

    @Test
    void downloadsServeOnlyBackupsOfThisTarget() throws Exception {
        Path db = Fixtures.create("edge_values", tmp);
        Backups.run(Map.of("backup.source", "sqlite:" + db, "backup.compression", "gzip"), tmp.resolve("backups"));
        Files.writeString(tmp.resolve("secret.sql"), "not for download");
        Files.writeString(tmp.resolve("backups").resolve("stray.sql"), "no manifest, not a backup");
        try (Service service = new Service(settings(db))) {
            for (String name : List.of("..%2Fsecret.sql", "%2e%2e%2fsecret.sql", "..%252Fsecret.sql", "a%2F..%2F..%2Fsecret.sql",
                    "x.sql%00.txt", ".partial-x.sql", "x.txt", "%2Fetc%2Fpasswd", "..", "x.sql%0d%0aX-Injected:%201")) {
                Answer a = service.call("GET", "/api/backup/" + name, Map.of());
                assertThat(a.status()).as(name).isIn(400, 404);
                assertThat(new String(a.body())).as(name).doesNotContain("not for download");
            }
            assertThat(service.call("GET", "/api/backup/../../secret.sql", Map.of()).status()).isIn(400, 401, 404);
            Answer stray = service.call("GET", "/api/backup/stray.sql", bearer(service.freshCode()));
            assertThat(stray.status()).isEqualTo(404);
            Answer unauthenticated = service.call("GET", "/api/backup/stray.sql", Map.of());
            assertThat(unauthenticated.status()).isEqualTo(401);
        }
    }

    @Test
    void theScheduleFiresAndNeverDoublesARun() throws Exception {
        Map<String, String> s = settings(Fixtures.create("schema_zoo", tmp));
        s.put("backup.cron", "0/2 * * * * ?");
        s.put("backup.skip.unchanged", "false"); // scheduled runs would skip the unchanged database (SkipUnchangedTest)
        try (Service service = new Service(s)) {
            Path backups = tmp.resolve("backups");
            await("two scheduled backups").atMost(Duration.ofSeconds(20)).pollInterval(Duration.ofMillis(200))
                    .until(() -> {
                        if (!Files.isDirectory(backups)) {
                            return 0L;
                        }
                        try (Stream<Path> files = Files.list(backups)) {
                            return files.filter(p -> p.toString().endsWith(".sql.gz")).count();
                        }
                    }, count -> count >= 2);
        }
    }

    /** GET /api/backup says each backup's kind and the object an incremental applies on top of. */
    @Test
    void theListSaysTheKindAndParentOfEachBackup() throws Exception {
        Path db = Fixtures.manyRows(tmp, "shop", 50);
        Path backups = tmp.resolve("backups");
        Map<String, String> incremental = Backups.sqlite(db);
        incremental.put("backup.incremental", "true");
        incremental.put("backup.incremental.tables", "items:id");
        BackupResult old = Backups.run(Backups.sqlite(db), backups);
        Backups.awaitNextName(old);
        BackupResult full = Backups.run(Backups.sqlite(db), backups);
        Backups.awaitNextName(full);
        BackupResult next = Backups.run(incremental, backups);
        String oldName = Path.of(old.location()).getFileName().toString();
        String fullName = Path.of(full.location()).getFileName().toString();
        String nextName = Path.of(next.location()).getFileName().toString();
        // A manifest from before incrementals says nothing of its kind.
        Path oldManifest = backups.resolve(oldName + Manifest.SUFFIX);
        ObjectNode stripped = (ObjectNode) JSON.readTree(oldManifest.toFile());
        stripped.remove("kind");
        Files.writeString(oldManifest, JSON.writeValueAsString(stripped));

        try (Service service = new Service(settings(db))) {
            Answer listed = service.call("GET", "/api/backup", bearer(service.freshCode()));
            assertThat(listed.status()).isEqualTo(200);
            JsonNode list = listed.json().path("backups");
            assertThat(list).hasSize(3);
            assertThat(list.get(0).path("object").asText()).isEqualTo(nextName);
            assertThat(list.get(0).path("kind").asText()).isEqualTo("incremental");
            assertThat(list.get(0).path("parent").asText()).isEqualTo(fullName);
            assertThat(list.get(1).path("object").asText()).isEqualTo(fullName);
            assertThat(list.get(1).path("kind").asText()).isEqualTo("full");
            assertThat(list.get(1).has("parent")).isTrue();
            assertThat(list.get(1).path("parent").isNull()).isTrue();
            assertThat(list.get(2).path("object").asText()).isEqualTo(oldName);
            assertThat(list.get(2).path("kind").asText()).isEqualTo("full");
            assertThat(list.get(2).path("parent").isNull()).isTrue();
            assertThat(list.get(2).path("rows").asLong()).isEqualTo(list.get(1).path("rows").asLong()); // the rest as stored
        }
    }
}
