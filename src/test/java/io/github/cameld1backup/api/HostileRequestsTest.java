package io.github.cameld1backup.api;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.github.cameld1backup.testing.Attacks;
import io.github.cameld1backup.testing.Backups;
import io.github.cameld1backup.testing.Fixtures;
import io.github.cameld1backup.testing.RawHttp;
import io.github.cameld1backup.testing.RawHttp.Reply;
import io.github.cameld1backup.testing.Service;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What a stranger can send before authenticating: bodies, credentials in URLs, floods of wrong or
 * missing credentials. Real HTTP on 127.0.0.1, written by hand where a normal client would not.
 */
class HostileRequestsTest {

    static final String KEY = "k3y-0f-th1s-d3pl0yment-0123456789abcdef";

    @TempDir
    Path tmp;

    private Map<String, String> settings() throws Exception {
        Map<String, String> s = Backups.sqlite(Fixtures.create("edge_values", tmp));
        s.put("backup.target", "file:" + tmp.resolve("backups"));
        s.put("backup.work.dir", tmp.resolve("work").toString());
        return s;
    }

    @Test
    void bodiesAreRefusedFromTheirHeadersBeforeAnyIsRead() throws Exception {
        try (Service service = new Service(settings())) {
            int port = service.port();
            // A length declared and never sent: answered at once, so nothing waited for the body.
            for (String target : List.of("GET /health", "GET /metrics", "GET /api/backup", "GET /api/backup/runs/x",
                    "DELETE /api/session", "GET /", "GET /nowhere", "POST /api/backup", "POST /api/session")) {
                String[] parts = target.split(" ");
                Reply r = RawHttp.send("127.0.0.1", port,
                        RawHttp.head(parts[0], parts[1], Map.of("Content-Length", "10485760")), new byte[0]);
                assertThat(r.status()).as(target).isEqualTo(413);
                assertThat(r.json().path("status").asInt()).as(target).isEqualTo(413);
            }
            Reply small = RawHttp.send("127.0.0.1", port, RawHttp.head("GET", "/health", Map.of("Content-Length", "100")),
                    new byte[100]);
            assertThat(small.status()).as("a GET takes no body, however small").isEqualTo(413);
            assertThat(small.json().path("error").asText()).isEqualTo("this request takes no body");
            Reply chunked = RawHttp.send("127.0.0.1", port,
                    RawHttp.head("GET", "/health", Map.of("Transfer-Encoding", "chunked")), new byte[0]);
            assertThat(chunked.status()).isEqualTo(413);
            assertThat(chunked.json().path("error").asText()).isEqualTo("this request takes no body");

            // The two POSTs take a small body (ignored): the request goes on to authentication.
            byte[] empty = "{}".getBytes(StandardCharsets.US_ASCII);
            for (String path : List.of("/api/backup", "/api/session")) {
                Reply r = RawHttp.send("127.0.0.1", port, RawHttp.head("POST", path,
                        Map.of("Content-Length", "2", "Content-Type", "application/json")), empty);
                assertThat(r.status()).as(path).isEqualTo(401);
            }
            // A chunked body there is cut off at camel.server.maxBodySize (4 KiB) by platform-http.
            String tooLong = Integer.toHexString(8192) + "\r\n" + "x".repeat(8192) + "\r\n0\r\n\r\n";
            Reply cut = RawHttp.send("127.0.0.1", port, RawHttp.head("POST", "/api/session",
                    Map.of("Transfer-Encoding", "chunked")), tooLong.getBytes(StandardCharsets.US_ASCII));
            assertThat(cut.status()).isEqualTo(413);
            assertThat(cut.json().path("status").asInt()).as("answered in JSON like every other refusal").isEqualTo(413);

            assertThat(service.call("GET", "/health", Map.of()).status()).isEqualTo(200);
        }
    }

    @Test
    void credentialsAreTakenFromHeadersOnlyNeverFromTheUrlOrAForm() throws Exception {
        Map<String, String> s = settings();
        s.put("backup.api.key", KEY);
        try (Service service = new Service(s)) {
            String code = service.freshCode();
            for (String query : List.of("?Authorization=" + URLEncoder.encode("Bearer " + code, StandardCharsets.UTF_8),
                    "?authorization=Bearer%20" + code, "?X-API-Key=" + KEY, "?x-api-key=" + KEY)) {
                Service.Answer a = service.call("GET", "/api/backup" + query, Map.of("X-API-Key", KEY));
                assertThat(a.status()).as(query).isEqualTo(400);
                assertThat(a.json().path("error").asText()).contains("never in the URL");
                assertThat(service.call("GET", "/api/backup/runs/x" + query, Map.of()).status()).as(query).isEqualTo(400);
            }
            // A form body is copied into the message's headers by platform-http: never a credential.
            byte[] form = ("Authorization=Bearer+" + code + "&X-API-Key=" + KEY).getBytes(StandardCharsets.US_ASCII);
            Reply formed = RawHttp.send("127.0.0.1", service.port(), RawHttp.head("POST", "/api/session", Map.of(
                    "Content-Type", "application/x-www-form-urlencoded", "Content-Length", String.valueOf(form.length))), form);
            assertThat(formed.status()).isEqualTo(401);
            assertThat(formed.json().path("error").asText()).contains("X-API-Key");

            // The code was never checked above, so it still opens a session from the headers.
            Service.Answer opened = service.call("POST", "/api/session", Map.of("Authorization", "Bearer " + code,
                    "X-API-Key", KEY));
            assertThat(opened.status()).as(new String(opened.body())).isEqualTo(200);
        }
    }

    @Test
    void missingKeysAndCodesSpendNoFailureBudget() throws Exception {
        Path audit = tmp.resolve("audit.jsonl");
        Map<String, String> s = settings();
        s.put("backup.api.key", KEY);
        s.put("audit.location", "file:" + audit);
        try (Service service = new Service(s)) {
            for (int i = 0; i < 60; i++) {
                assertThat(service.call("POST", "/api/backup", Map.of("Authorization", "Bearer 123456")).status())
                        .isEqualTo(401); // no key
                assertThat(service.call("POST", "/api/backup", Map.of("X-API-Key", "wrong",
                        "Authorization", "Bearer 123456")).status()).isEqualTo(401);
                assertThat(service.call("POST", "/api/backup", Map.of("X-API-Key", KEY)).status())
                        .isEqualTo(401); // key, but no code
            }
            Service.Answer started = service.call("POST", "/api/backup", Map.of("X-API-Key", KEY,
                    "Authorization", "Bearer " + service.freshCode()));
            assertThat(started.status()).as(new String(started.body())).isEqualTo(202);
            assertThat(service.awaitRun(started.json().path("id").asText(), Map.of("X-API-Key", KEY)).path("state").asText()).isEqualTo("succeeded");
        }
        // 180 refusals from one client in a window: its first on a line of its own, the rest one line with the count.
        List<JsonNode> refused = new ArrayList<>();
        ObjectMapper json = new ObjectMapper();
        for (String line : Files.readAllLines(audit)) {
            JsonNode event = json.readTree(line);
            if (event.path("outcome").asText().equals("refused")) {
                refused.add(event);
            }
        }
        assertThat(refused).hasSize(2);
        assertThat(refused.get(0).path("reason").asText()).isEqualTo("missing or wrong X-API-Key");
        assertThat(refused.get(0).path("client").asText()).isEqualTo("127.0.0.1");
        assertThat(refused.get(1).path("count").asInt()).isEqualTo(180);
        assertThat(refused.get(1).path("statuses").path("401").asInt()).isEqualTo(180);
        assertThat(refused.get(1).path("client").asText()).isEqualTo("127.0.0.1");
        assertThat(Files.readString(audit)).doesNotContain(KEY);
    }

    @Test
    void simultaneousWrongCodesGetNoMoreChecksThanTheBudget() throws Exception {
        Path audit = tmp.resolve("audit.jsonl");
        Map<String, String> s = settings();
        s.put("audit.location", "file:" + audit);
        try (Service service = new Service(s)) {
            Attacks.Tally wrong = Attacks.wrongCodes(service.port(), 400, Map.of());
            long checked = wrong.count(401);
            assertThat(checked).as("checked codes, documented maximum 10 an hour").isBetween(1L, 10L);
            assertThat(wrong.statuses().keySet()).containsOnly(401, 429);
            // Each guess that was checked has its own audit line.
            long guessLines = Files.readAllLines(audit).stream().filter(l -> l.contains("invalid or expired code")).count();
            assertThat(guessLines).isEqualTo(checked);
        }
    }
}
