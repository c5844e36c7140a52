package io.github.cameld1backup.testing;

import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.github.cameld1backup.BackupApplication;
import io.github.cameld1backup.api.Totp;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;

/** The run mode, started in-process with the HTTP API on a free port of 127.0.0.1. */
public final class Service implements AutoCloseable {

    public static final String SECRET = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP";
    public static final int STEP_SECONDS = 2;
    private static final ObjectMapper JSON = new ObjectMapper();

    private final BackupApplication app;
    private final int port;
    private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
    private final Totp totp = new Totp(Totp.decodeSecret(SECRET), "SHA1", 6, Duration.ofSeconds(STEP_SECONDS),
            Clock.systemUTC());
    private long lastStep = Long.MIN_VALUE;

    public record Answer(int status, JsonNode json, Map<String, java.util.List<String>> headers, byte[] body) {
    }

    public Service(Map<String, String> settings) throws Exception {
        try (ServerSocket probe = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            port = probe.getLocalPort();
        }
        Map<String, String> all = new HashMap<>(settings);
        all.put("camel.server.port", String.valueOf(port));
        all.put("camel.server.host", "127.0.0.1");
        all.put("totp.secret", SECRET);
        all.put("totp.step", String.valueOf(STEP_SECONDS));
        all.putIfAbsent("backup.cron", "0 0 3 1 1 ? 2099"); // not during a test unless asked
        app = BackupApplication.startService(all);
    }

    public BackupApplication app() {
        return app;
    }

    /** A code never used before: waits for the next time step when the current one was spent. */
    public synchronized String freshCode() {
        long spent = lastStep;
        await().atMost(Duration.ofSeconds(STEP_SECONDS * 2L)).pollInterval(Duration.ofMillis(50))
                .until(() -> totp.currentStep() > spent);
        lastStep = totp.currentStep();
        return totp.codeAt(lastStep);
    }

    /** {@code http://127.0.0.1:PORT}, what a browser opens. */
    public String baseUrl() {
        return "http://127.0.0.1:" + port;
    }

    public Totp totp() {
        return totp;
    }

    /** Polls a run's status until it has ended; its last status (state succeeded or failed). */
    public JsonNode awaitRun(String id) {
        return awaitRun(id, Map.of());
    }

    /** As above, sending these headers (an X-API-Key) with each poll. */
    public JsonNode awaitRun(String id, Map<String, String> headers) {
        return await("run " + id + " finishes").atMost(Duration.ofMinutes(1)).pollInterval(Duration.ofMillis(50))
                .until(() -> call("GET", "/api/backup/runs/" + id, headers).json(),
                        status -> status.path("state").asText().equals("succeeded")
                                || status.path("state").asText().equals("failed")
                                || status.path("state").asText().equals("unchanged"));
    }

    public Answer call(String method, String path, Map<String, String> headers) throws IOException, InterruptedException {
        return call(method, path, headers, null);
    }

    /** A request with a body (JSON, UTF-8), or none when {@code body} is null. */
    public Answer call(String method, String path, Map<String, String> headers, String body)
            throws IOException, InterruptedException {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody()
                        : HttpRequest.BodyPublishers.ofString(body, StandardCharsets.UTF_8));
        headers.forEach(b::header);
        HttpResponse<byte[]> r = http.send(b.build(), HttpResponse.BodyHandlers.ofByteArray());
        return answer(r.statusCode(), r.headers().map(), r.body());
    }

    /** A request sent from another loopback address (127.0.0.2, ...), as a different client. */
    public Answer callFrom(String sourceAddress, String method, String path, Map<String, String> headers) throws IOException {
        Map<String, String> all = new java.util.LinkedHashMap<>(headers);
        all.put("Content-Length", "0");
        RawHttp.Reply reply = RawHttp.send(sourceAddress, port, RawHttp.head(method, path, all), new byte[0]);
        return answer(reply.status(), Map.of(), reply.body().getBytes(StandardCharsets.ISO_8859_1));
    }

    /** The API's port on 127.0.0.1. */
    public int port() {
        return port;
    }

    private static Answer answer(int status, Map<String, java.util.List<String>> headers, byte[] body) {
        JsonNode json = null;
        try {
            json = JSON.readTree(body);
        } catch (IOException ignored) {
            // not JSON (a download); callers check
        }
        return new Answer(status, json, headers, body);
    }

    @Override
    public void close() {
        app.close();
    }
}
