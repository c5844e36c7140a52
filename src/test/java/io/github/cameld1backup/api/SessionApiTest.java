package io.github.cameld1backup.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.github.cameld1backup.core.ApiException;
import io.github.cameld1backup.testing.Backups;
import io.github.cameld1backup.testing.Fixtures;
import io.github.cameld1backup.testing.Service;
import io.github.cameld1backup.testing.Service.Answer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.apache.camel.Exchange;
import org.apache.camel.impl.DefaultCamelContext;
import org.apache.camel.support.DefaultExchange;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Sessions for the admin page, the runs listing and the page's own files, over real HTTP on 127.0.0.1. */
class SessionApiTest {

    @TempDir
    Path tmp;

    private Map<String, String> settings(Path db) {
        Map<String, String> s = Backups.sqlite(db);
        s.put("backup.target", "file:" + tmp.resolve("backups"));
        s.put("backup.work.dir", tmp.resolve("work").toString());
        return s;
    }

    private static Map<String, String> bearer(String secret) {
        return Map.of("Authorization", "Bearer " + secret);
    }

    private static String openSession(Service service) throws Exception {
        Answer opened = service.call("POST", "/api/session", bearer(service.freshCode()));
        assertThat(opened.status()).isEqualTo(200);
        assertThat(Instant.parse(opened.json().path("expiresAt").asText())).isAfter(Instant.now().plusSeconds(14 * 60));
        return opened.json().path("token").asText();
    }

    @Test
    void aSessionFromOneCodeListsAndDownloadsUntilItIsClosed() throws Exception {
        Path db = Fixtures.create("edge_values", tmp);
        Backups.run(Map.of("backup.source", "sqlite:" + db, "backup.compression", "gzip"), tmp.resolve("backups"));
        Path stored;
        try (Stream<Path> files = Files.list(tmp.resolve("backups"))) {
            stored = files.filter(p -> p.toString().endsWith(".sql.gz")).findFirst().orElseThrow();
        }
        try (Service service = new Service(settings(db))) {
            String token = openSession(service);
            assertThat(token).matches("[A-Za-z0-9_-]{43}"); // 256 random bits
            for (int i = 0; i < 3; i++) { // many reads, one code
                Answer listed = service.call("GET", "/api/backup", bearer(token));
                assertThat(listed.status()).isEqualTo(200);
                assertThat(listed.json().path("backups").get(0).path("object").asText()).isEqualTo(stored.getFileName().toString());
            }
            Answer download = service.call("GET", "/api/backup/" + stored.getFileName(), bearer(token));
            assertThat(download.status()).isEqualTo(200);
            assertThat(download.body()).isEqualTo(Files.readAllBytes(stored));
            assertThat(download.headers().get("cache-control")).containsExactly("no-store");
            Answer runs = service.call("GET", "/api/backup/runs", bearer(token));
            assertThat(runs.status()).isEqualTo(200);
            assertThat(runs.json().isArray()).isTrue();
            assertThat(runs.headers().get("cache-control")).containsExactly("no-store");

            assertThat(service.call("DELETE", "/api/session", bearer(token)).status()).isEqualTo(200);
            Answer after = service.call("GET", "/api/backup", bearer(token));
            assertThat(after.status()).isEqualTo(401);
            assertThat(after.json().path("error").asText()).contains("sign in again");
            // A code still works for a one-off read, as before.
            assertThat(service.call("GET", "/api/backup", bearer(service.freshCode())).status()).isEqualTo(200);
        }
    }

    @Test
    void forgedTokensAreRefusedAndSpendTheFailureBudget() throws Exception {
        Map<String, String> s = settings(Fixtures.create("edge_values", tmp));
        s.put("backup.api.failures.per.client", "3");
        try (Service service = new Service(s)) {
            String token = openSession(service);
            String forged = (token.charAt(0) == 'A' ? "B" : "A") + token.substring(1);
            for (String guess : List.of(forged, "A".repeat(43), "_".repeat(43))) {
                Answer a = service.callFrom("127.0.0.2", "GET", "/api/backup", bearer(guess));
                assertThat(a.status()).isEqualTo(401);
                assertThat(a.body()).asString().doesNotContain(guess);
            }
            Answer locked = service.callFrom("127.0.0.2", "GET", "/api/backup", bearer(token));
            assertThat(locked.status()).as("even a good token, once the client's budget is spent").isEqualTo(429);
            assertThat(service.call("GET", "/api/backup", bearer(token)).status()).as("another client").isEqualTo(200);
        }
    }

    @Test
    void anExpiredSessionIsRefusedAndCounted() {
        MutableClock clock = new MutableClock();
        Totp totp = new Totp(Totp.decodeSecret(Service.SECRET), "SHA1", 6, Duration.ofSeconds(30), clock);
        ApiGuard guard = new ApiGuard(totp, null, AllowList.parse(List.of(), null), clock, 2, Duration.ofMinutes(15), 100, Duration.ofHours(1));
        ApiSessions sessions = new ApiSessions(guard, ApiSessions.ttl("PT15M"), clock);
        DefaultCamelContext context = new DefaultCamelContext();
        Exchange signIn = request(context, totp.now());
        sessions.open(signIn);
        String token = (String) signIn.getMessage().getBody(Map.class).get("token");

        clock.now = clock.now.plus(Duration.ofMinutes(14));
        sessions.authorize(request(context, token)); // still valid
        clock.now = clock.now.plus(Duration.ofMinutes(1));
        assertThatThrownBy(() -> sessions.authorize(request(context, token)))
                .isInstanceOfSatisfying(ApiException.class, e -> assertThat(e.status()).isEqualTo(401));
        assertThatThrownBy(() -> sessions.authorize(request(context, token)))
                .isInstanceOfSatisfying(ApiException.class, e -> assertThat(e.status()).isEqualTo(401));
        assertThatThrownBy(() -> sessions.authorize(request(context, token)))
                .as("two refusals spent this client's budget of 2")
                .isInstanceOfSatisfying(ApiException.class, e -> assertThat(e.status()).isEqualTo(429));
    }

    @Test
    void aSessionCannotStartABackupButAFreshCodeCanAndTheRunIsListed() throws Exception {
        Path db = Fixtures.create("edge_values", tmp);
        try (Service service = new Service(settings(db))) {
            String token = openSession(service);
            Answer refused = service.call("POST", "/api/backup", bearer(token));
            assertThat(refused.status()).isEqualTo(401);
            assertThat(refused.json().path("error").asText()).contains("needs a fresh TOTP code");
            assertThat(service.call("GET", "/api/backup/runs", bearer(token)).json()).isEmpty();

            // A run that fails (its source is gone) is listed with its reason, newest first.
            Path away = tmp.resolve("away.db");
            Files.move(db, away);
            String failed = service.call("POST", "/api/backup", bearer(service.freshCode())).json().path("id").asText();
            service.awaitRun(failed);
            Files.move(away, db);
            String succeeded = service.call("POST", "/api/backup", bearer(service.freshCode())).json().path("id").asText();
            service.awaitRun(succeeded);

            Answer runs = service.call("GET", "/api/backup/runs", bearer(token));
            assertThat(runs.json()).hasSize(2);
            assertThat(runs.json().get(0).path("id").asText()).isEqualTo(succeeded);
            assertThat(runs.json().get(0).path("state").asText()).isEqualTo("succeeded");
            assertThat(runs.json().get(1).path("state").asText()).isEqualTo("failed");
            assertThat(runs.json().get(1).path("errors").get(0).asText()).startsWith("SQLite database not found");
            assertThat(service.call("GET", "/api/backup/runs", Map.of()).status()).as("not without a session or code")
                    .isEqualTo(401);
        }
    }

    @Test
    void thePageIsServedWithItsSecurityHeadersAndNothingElseIs() throws Exception {
        try (Service service = new Service(settings(Fixtures.create("edge_values", tmp)))) {
            Map<String, String> types = Map.of("/", "text/html; charset=utf-8", "/admin/admin.js",
                    "text/javascript; charset=utf-8", "/admin/admin.css", "text/css; charset=utf-8");
            for (var e : types.entrySet()) {
                Answer a = service.call("GET", e.getKey(), Map.of());
                assertThat(a.status()).as(e.getKey()).isEqualTo(200);
                assertThat(a.headers().get("content-type")).as(e.getKey()).containsExactly(e.getValue());
                assertThat(a.headers().get("content-security-policy").get(0)).contains("default-src 'none'")
                        .contains("script-src 'self'").contains("frame-ancestors 'none'").doesNotContain("unsafe");
                assertThat(a.headers().get("x-content-type-options")).containsExactly("nosniff");
                assertThat(a.headers().get("cache-control")).containsExactly("no-cache");
            }
            assertThat(new String(service.call("GET", "/", Map.of()).body())).contains("<script src=\"/admin/admin.js\"")
                    .doesNotContain("<script>").doesNotContain("http://").doesNotContain("https://");
            for (String path : List.of("/admin/index.html%2F..%2F..%2Fapplication.properties", "/admin/..%2Fapplication.properties",
                    "/admin/application.properties", "/admin/", "/admin/admin.js%00")) {
                Answer a = service.call("GET", path, Map.of());
                assertThat(a.status()).as(path).isIn(400, 404);
                assertThat(new String(a.body())).as(path).doesNotContain("totp.secret");
            }
            assertThat(service.call("POST", "/", Map.of()).status()).isIn(404, 405);
        }
    }


    private static Exchange request(DefaultCamelContext context, String secret) {
        Exchange exchange = new DefaultExchange(context);
        exchange.getMessage().setHeader("Authorization", "Bearer " + secret);
        return exchange;
    }

    private static final class MutableClock extends Clock {
        Instant now = Instant.parse("2026-11-24T09:00:00Z");

        @Override
        public java.time.ZoneId getZone() {
            return ZoneOffset.UTC;
        }

        @Override
        public Clock withZone(java.time.ZoneId zone) {
            return this;
        }

        @Override
        public Instant instant() {
            return now;
        }
    }
}
