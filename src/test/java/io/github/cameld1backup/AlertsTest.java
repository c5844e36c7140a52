package io.github.cameld1backup;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpServer;
import io.github.cameld1backup.testing.Backups;
import io.github.cameld1backup.testing.WorkerdD1;
import io.github.cameld1backup.testing.Fixtures;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Alerts reach a real webhook on 127.0.0.1, are retried, and never fail a backup. */
class AlertsTest {

    @TempDir
    Path tmp;

    /** A webhook that answers 500 to the first {@code failures} posts, then 200, and keeps what it got. */
    static final class Webhook implements AutoCloseable {
        final HttpServer server;
        final List<String> received = new CopyOnWriteArrayList<>();
        final AtomicInteger calls = new AtomicInteger();

        Webhook(int failures) throws Exception {
            server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
            server.createContext("/hook", http -> {
                String body = new String(http.getRequestBody().readAllBytes(), StandardCharsets.UTF_8);
                int n = calls.incrementAndGet();
                if (n > failures) {
                    received.add(body);
                }
                http.sendResponseHeaders(n > failures ? 200 : 500, -1);
                http.close();
            });
            server.start();
        }

        String url() {
            return "http://127.0.0.1:" + server.getAddress().getPort() + "/hook";
        }

        @Override
        public void close() {
            server.stop(0);
        }
    }

    @Test
    void aFailedBackupIsAnnouncedAndAFlakyWebhookIsRetried() throws Exception {
        try (WorkerdD1 d1 = new WorkerdD1(); Webhook hook = new Webhook(2)) {
            Map<String, String> s = Backups.d1(d1, d1.addDatabase("shop", Fixtures.create("edge_values", tmp)));
            s.put("cloudflare.api.token", "wrong");
            s.put("alert.webhook.url", hook.url());
            s.put("alert.retry.delay", "10");
            assertThat(catchThrowable(() -> Backups.run(s, tmp.resolve("b")))).hasMessageContaining("Authentication error");
            assertThat(hook.calls.get()).isEqualTo(3);
            JsonNode alert = new ObjectMapper().readTree(hook.received.get(0));
            assertThat(alert.path("event").asText()).isEqualTo("backup.failed");
            assertThat(alert.path("error").asText()).contains("Authentication error");
            assertThat(hook.received.get(0)).doesNotContain(WorkerdD1.TOKEN).doesNotContain("wrong\"");
        }
    }

    @Test
    void aBrokenWebhookNeverFailsTheBackupAndSlackGetsText() throws Exception {
        Map<String, String> s = Backups.sqlite(Fixtures.create("edge_values", tmp));
        s.put("alert.webhook.url", "http://127.0.0.1:9/hook"); // nothing listens
        s.put("alert.on.success", "true");
        s.put("alert.retries", "1");
        s.put("alert.retry.delay", "10");
        assertThat(Backups.run(s, tmp.resolve("b")).rows()).isEqualTo(40);

        try (Webhook hook = new Webhook(0)) {
            s.put("alert.webhook.url", hook.url());
            s.put("alert.format", "slack");
            Backups.run(s, tmp.resolve("c"));
            JsonNode slack = new ObjectMapper().readTree(hook.received.get(0));
            assertThat(slack.path("text").asText()).contains("Backed up edge_values");

            // Without alert.on.success a backup that succeeded is not announced.
            s.put("alert.on.success", "false");
            Backups.run(s, tmp.resolve("d"));
            assertThat(hook.received).hasSize(1);
        }
    }
}
