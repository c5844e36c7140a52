package io.github.cameld1backup.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.github.cameld1backup.testing.Attacks;
import io.github.cameld1backup.testing.Attacks.HealthWatch;
import io.github.cameld1backup.testing.Attacks.Tally;
import io.github.cameld1backup.testing.ChildService;
import io.github.cameld1backup.testing.Fixtures;
import io.github.cameld1backup.testing.RawHttp;
import io.github.cameld1backup.testing.Service;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 18's attacks replayed against the run command in a JVM of its own with the launcher's memory
 * settings (src/main/launcher/jvm.options): while a backup started before the floods runs, /health
 * keeps answering, the backup succeeds, the peak RSS stays under 300 MiB, and SIGTERM ends it in 10 s.
 */
class AttackReplayTest {

    static final String KEY = "replay-key-0123456789abcdef0123456789abcdef";

    @TempDir
    Path tmp;

    @Test
    void theServiceWithstandsEachAttackWithTheLaunchersMemory() throws Exception {
        Path db = Fixtures.manyRows(tmp, "big", 300_000);
        Path audit = tmp.resolve("audit/audit.jsonl");
        Map<String, String> env = Map.of("TOTP_SECRET", Service.SECRET, "TOTP_STEP", String.valueOf(Service.STEP_SECONDS),
                "BACKUP_API_KEY", KEY, "AUDIT_LOCATION", "file:" + audit, "AUDIT_REFUSALS_WINDOW", "PT10M",
                "BACKUP_WORK_DIR", tmp.resolve("work").toString(), "BACKUP_CRON", "0 0 3 1 1 ? 2099");
        List<String> args = List.of("--source", "sqlite:" + db, "--target", "file:" + tmp.resolve("out"));
        HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
        ObjectMapper json = new ObjectMapper();
        Totp totp = new Totp(Totp.decodeSecret(Service.SECRET), "SHA1", 6, Duration.ofSeconds(Service.STEP_SECONDS),
                Clock.systemUTC());
        try (ChildService service = new ChildService(System.getProperty("java.class.path"), env, args,
                tmp.resolve("service.log"))) {
            String base = service.baseUrl();
            int port = service.port();
            HttpResponse<String> started = http.send(HttpRequest.newBuilder(URI.create(base + "/api/backup"))
                    .header("X-API-Key", KEY).header("Authorization", "Bearer " + totp.now())
                    .POST(HttpRequest.BodyPublishers.noBody()).build(), HttpResponse.BodyHandlers.ofString());
            assertThat(started.statusCode()).as(started.body()).isEqualTo(202);
            String run = json.readTree(started.body()).path("id").asText();

            long usedStep = totp.currentStep();
            try (HealthWatch health = new HealthWatch(base)) {
                // 1. Bodies nobody asked for: 30 concurrent 10 MB POSTs, then 200 GET /health with 10 MB each.
                Tally posts = Attacks.bodies(port, "POST", "/api/backup", 30, 30, Attacks.TEN_MB);
                assertThat(posts.count(413) + posts.count(-1)).as("refused unread: %s", posts).isEqualTo(30);
                assertThat(posts.count(413)).as("answered 413: %s", posts).isPositive();
                Tally healthBodies = Attacks.bodies(port, "GET", "/health", 200, 30, Attacks.TEN_MB);
                assertThat(healthBodies.count(413) + healthBodies.count(-1)).as("%s", healthBodies).isEqualTo(200);

                // 3. Credentials in the URL: refused before they are looked at, the code left unspent.
                await().atMost(Duration.ofSeconds(5)).until(() -> totp.currentStep() > usedStep);
                String code = totp.now();
                RawHttp.Reply inUrl = RawHttp.send("127.0.0.1", port, RawHttp.head("POST",
                        "/api/backup?Authorization=Bearer%20" + code, Map.of("X-API-Key", KEY, "Content-Length", "0")),
                        new byte[0]);
                assertThat(inUrl.status()).isEqualTo(400);
                RawHttp.Reply keyInUrl = RawHttp.send("127.0.0.1", port, RawHttp.head("GET",
                        "/api/backup/runs/" + run + "?X-API-Key=" + KEY, Map.of()), new byte[0]);
                assertThat(keyInUrl.status()).isEqualTo(400);

                // 4. Floods without the key (or with a wrong one) spend no failure budget: a good code still works.
                Tally noKey = Attacks.requests(base, "POST", "/api/backup", Map.of("Authorization", "Bearer 123456"), 300, 16);
                Tally wrongKey = Attacks.requests(base, "POST", "/api/session", Map.of("X-API-Key", "guess",
                        "Authorization", "Bearer 123456"), 300, 16);
                assertThat(noKey.statuses()).containsOnlyKeys(401);
                assertThat(wrongKey.statuses()).containsOnlyKeys(401);
                HttpResponse<String> session = http.send(HttpRequest.newBuilder(URI.create(base + "/api/session"))
                        .header("X-API-Key", KEY).header("Authorization", "Bearer " + totp.now())
                        .POST(HttpRequest.BodyPublishers.noBody()).build(), HttpResponse.BodyHandlers.ofString());
                assertThat(session.statusCode()).as(session.body()).isEqualTo(200);

                // 5. 5,000 refused requests (no code) for the audit log.
                Tally refused = Attacks.requests(base, "GET", "/api/backup", Map.of("X-API-Key", KEY), 5000, 16);
                assertThat(refused.statuses()).containsOnlyKeys(401);

                // Before the last attack spends the failure budget (which then turns every client away for an hour).
                JsonNode status = await("the backup started before the floods ends").atMost(Duration.ofMinutes(2))
                        .pollInterval(Duration.ofMillis(200))
                        .until(() -> json.readTree(http.send(HttpRequest.newBuilder(URI.create(base + "/api/backup/runs/" + run))
                                        .header("X-API-Key", KEY).build(), HttpResponse.BodyHandlers.ofString()).body()),
                                s -> !s.path("state").asText().matches("queued|running"));
                assertThat(status.path("state").asText()).as(status.toString()).isEqualTo("succeeded");
                assertThat(status.path("rows").asLong()).isEqualTo(600_000);

                // 2. 400 wrong codes at once from 40 addresses: no more checked than the budget's 10.
                Tally wrong = Attacks.wrongCodes(port, 400, Map.of("X-API-Key", KEY));
                assertThat(wrong.count(401)).as("%s", wrong).isBetween(1, 10);
                assertThat(wrong.count(401) + wrong.count(429)).as("%s", wrong).isEqualTo(400);

                assertThat(health.failed()).as("%s", health).isZero();
                assertThat(health.ok()).as("%s", health).isPositive();
            }

            double rss = service.peakRssMiB();
            double stopped = service.sigterm(Duration.ofSeconds(10));
            System.out.printf("attack replay: peak RSS %.0f MiB, SIGTERM to exit %.1f s%n", rss, stopped);
            assertThat(rss).as("peak RSS, MiB").isLessThan(300);
            assertThat(stopped).as("seconds from SIGTERM to exit").isBetween(0.0, 10.0);
            assertThat(service.log()).doesNotContain("OutOfMemoryError");
        }

        // 6,000 refusals from 41 clients: a line for each checked guess, else at most two per client (its first
        // refusal, then the window's count).
        List<JsonNode> refusals = Files.readAllLines(audit).stream().map(line -> {
            try {
                return json.readTree(line);
            } catch (java.io.IOException e) {
                throw new IllegalStateException(e);
            }
        }).filter(e -> e.path("outcome").asText().equals("refused")).toList();
        assertThat(refusals.size()).isBetween(2, 10 + 2 * 41);
        assertThat(refusals).filteredOn(e -> e.path("client").asText().equals("127.0.0.1") && e.has("count"))
                .singleElement().satisfies(e -> assertThat(e.path("count").asInt()).isEqualTo(300 + 300 + 5000));
    }
}
