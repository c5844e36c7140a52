package io.github.cameld1backup.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.sun.net.httpserver.HttpServer;
import io.github.cameld1backup.testing.Backups;
import io.github.cameld1backup.testing.Fixtures;
import io.github.cameld1backup.testing.Service;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * BACKUP_API_ALLOW=github-actions against a fake GitHub meta API on 127.0.0.1: the service admits the
 * addresses of its "actions" ranges (requests from 127.0.0.1 and 127.0.0.2), follows its refreshes, keeps
 * the last good list through failed and malformed answers, and admits nobody before a first good list.
 */
class GithubActionsAllowListTest {

    @TempDir
    Path tmp;

    /** GitHub's meta API as far as the service reads it: one path, its answer changeable, its requests counted. */
    static final class FakeMeta implements AutoCloseable {
        final HttpServer server;
        final AtomicReference<String> answer = new AtomicReference<>();
        final AtomicInteger status = new AtomicInteger(200);
        final AtomicInteger requests = new AtomicInteger();

        FakeMeta(String firstAnswer) throws Exception {
            answer.set(firstAnswer);
            server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
            server.createContext("/meta", exchange -> {
                byte[] body = answer.get().getBytes(StandardCharsets.UTF_8);
                exchange.getResponseHeaders().set("Content-Type", "application/json; charset=utf-8");
                exchange.sendResponseHeaders(status.get(), body.length);
                exchange.getResponseBody().write(body);
                exchange.close();
                requests.incrementAndGet();
            });
            server.start();
        }

        String url() {
            return "http://127.0.0.1:" + server.getAddress().getPort() + "/meta";
        }

        /** Serves this answer from now on, and waits until the service has fetched it and acted on it. */
        void answer(int code, String json) {
            status.set(code);
            answer.set(json);
            int before = requests.get();
            // The fetches are one at a time: the first after this may have begun before it, the second was served
            // this answer whole, and was handled once a third is served.
            await().atMost(Duration.ofSeconds(20)).until(() -> requests.get() >= before + 3);
        }

        @Override
        public void close() {
            server.stop(0);
        }
    }

    private Map<String, String> settings(String allow, String metaUrl) throws Exception {
        Map<String, String> s = Backups.sqlite(Fixtures.create("schema_zoo", tmp));
        s.put("backup.target", "file:" + tmp.resolve("backups"));
        s.put("backup.work.dir", tmp.resolve("work").toString());
        s.put("backup.api.allow", allow);
        s.put("backup.api.github.meta.url", metaUrl);
        s.put("backup.api.github.meta.refresh", "PT1S");
        s.put("backup.api.github.meta.retry", "PT0.5S");
        return s;
    }

    /** A guarded request that needs no code (a run's status): 403 when the allow-list refuses, else 404 (no such run). */
    private static int statusFrom(Service service, String address) throws Exception {
        return service.callFrom(address, "GET", "/api/backup/runs/no-such-run", Map.of()).status();
    }

    private static double metric(Service service, String name) throws Exception {
        String text = new String(service.call("GET", "/metrics", Map.of()).body(), StandardCharsets.UTF_8);
        Matcher m = Pattern.compile("(?m)^" + name + "(\\{[^}]*\\})? (\\S+)$").matcher(text);
        return m.find() ? Double.parseDouble(m.group(2)) : Double.NaN;
    }

    @Test
    void theActionsRangesOfTheMetaApiAreAdmittedRefreshedAndKeptThroughBadAnswers() throws Exception {
        try (FakeMeta meta = new FakeMeta("{\"hooks\":[\"127.0.0.2/32\"],\"actions\":[\"127.0.0.1/32\",\"2001:db8::/32\"]}");
             Service service = new Service(settings("github-actions", meta.url()))) {
            await().atMost(Duration.ofSeconds(20)).until(() -> statusFrom(service, "127.0.0.1") == 404);
            assertThat(statusFrom(service, "127.0.0.2")).as("only the actions ranges").isEqualTo(403);
            assertThat(metric(service, "d1backup_api_github_actions_ranges")).isEqualTo(2.0);
            assertThat(metric(service, "d1backup_api_github_actions_updated_timestamp_seconds")).isPositive();

            // A refresh replaces the list whole.
            meta.answer(200, "{\"actions\":[\"127.0.0.2/31\"]}");
            await().atMost(Duration.ofSeconds(20)).until(() -> statusFrom(service, "127.0.0.2") == 404);
            assertThat(statusFrom(service, "127.0.0.3")).isEqualTo(404);
            assertThat(statusFrom(service, "127.0.0.1")).isEqualTo(403);

            // Failed and malformed refreshes keep the last good list.
            double failuresBefore = metric(service, "d1backup_api_github_actions_refresh_failures_total");
            meta.answer(503, "{\"message\":\"unavailable\"}");
            assertThat(statusFrom(service, "127.0.0.2")).isEqualTo(404);
            assertThat(statusFrom(service, "127.0.0.1")).isEqualTo(403);
            meta.answer(200, "{\"actions\":[\"127.0.0.1/32\",\"not a range\"]}");
            assertThat(statusFrom(service, "127.0.0.2")).isEqualTo(404);
            assertThat(statusFrom(service, "127.0.0.1")).as("a malformed answer is refused whole").isEqualTo(403);
            meta.answer(200, "{\"actions\":[]}");
            meta.answer(200, "<html>not json</html>");
            assertThat(statusFrom(service, "127.0.0.2")).isEqualTo(404);
            assertThat(metric(service, "d1backup_api_github_actions_refresh_failures_total")).isGreaterThanOrEqualTo(
                    failuresBefore + 4);
            assertThat(metric(service, "d1backup_api_github_actions_ranges")).isEqualTo(1.0);
            String metrics = new String(service.call("GET", "/metrics", Map.of()).body(), StandardCharsets.UTF_8);
            assertThat(metrics).as("the meta URL is no label").doesNotContain(meta.url()).doesNotContain("/meta\"");
        }
    }

    @Test
    void anUnreachableMetaApiAdmitsNobodyThroughGithubActionsButTheOtherEntriesStillAdmit() throws Exception {
        int closed;
        try (ServerSocket probe = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            closed = probe.getLocalPort();
        }
        try (Service service = new Service(settings("github-actions, 127.0.0.2", "http://127.0.0.1:" + closed + "/meta"))) {
            await().atMost(Duration.ofSeconds(20))
                    .until(() -> metric(service, "d1backup_api_github_actions_refresh_failures_total") >= 2);
            assertThat(metric(service, "d1backup_api_github_actions_ranges")).isEqualTo(0.0);
            assertThat(statusFrom(service, "127.0.0.1")).isEqualTo(403);
            assertThat(statusFrom(service, "127.0.0.3")).isEqualTo(403);
            assertThat(statusFrom(service, "127.0.0.2")).isEqualTo(404);
        }
    }
}
