package io.github.cameld1backup.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.github.cameld1backup.BackupCli;
import io.github.cameld1backup.model.Manifest;
import io.github.cameld1backup.testing.Fixtures;
import io.github.cameld1backup.testing.Service;
import java.net.InetAddress;
import java.net.ServerSocket;
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
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.awaitility.core.ConditionTimeoutException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The run command as an operator runs it: a JVM of its own, stopped with SIGTERM. */
class ServiceLifecycleTest {

    @TempDir
    Path tmp;

    @Test
    void sigtermLetsTheRunningBackupFinishAndLeavesNoScratch() throws Exception {
        Path db = Fixtures.manyRows(tmp, "big", 400_000);
        int port;
        try (ServerSocket probe = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            port = probe.getLocalPort();
        }
        Path out = tmp.resolve("out");
        Path work = tmp.resolve("work");
        ProcessBuilder pb = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp", System.getProperty("java.class.path"), BackupCli.class.getName(), "run",
                "--source", "sqlite:" + db, "--target", "file:" + out)
                .directory(Files.createDirectories(tmp.resolve("cwd")).toFile())
                .redirectErrorStream(true).redirectOutput(tmp.resolve("service.log").toFile());
        Map<String, String> env = pb.environment();
        env.put("TOTP_SECRET", Service.SECRET);
        env.put("CAMEL_SERVER_PORT", String.valueOf(port));
        env.put("BACKUP_WORK_DIR", work.toString());
        Process service = pb.start();
        try {
            HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
            String base = "http://127.0.0.1:" + port;
            ObjectMapper json = new ObjectMapper();
            try {
                await("the service answers /health").atMost(Duration.ofMinutes(1)).pollInterval(Duration.ofMillis(100))
                        .ignoreExceptionsInstanceOf(java.io.IOException.class) // not listening yet
                        .failFast("the service exited", () -> !service.isAlive())
                        .until(() -> http.send(HttpRequest.newBuilder(URI.create(base + "/health")).build(),
                                HttpResponse.BodyHandlers.ofString()).statusCode() == 200);
            } catch (ConditionTimeoutException | org.awaitility.core.TerminalFailureException e) {
                throw new AssertionError(e.getMessage() + "\n" + Files.readString(tmp.resolve("service.log")), e);
            }
            Totp totp = new Totp(Totp.decodeSecret(Service.SECRET), "SHA1", 6, Duration.ofSeconds(30), Clock.systemUTC());
            HttpResponse<String> started = http.send(HttpRequest.newBuilder(URI.create(base + "/api/backup"))
                    .header("Authorization", "Bearer " + totp.now()).POST(HttpRequest.BodyPublishers.noBody()).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertThat(started.statusCode()).as(started.body()).isEqualTo(202);
            String id = json.readTree(started.body()).path("id").asText();
            await("the run is under way").atMost(Duration.ofMinutes(1)).pollInterval(Duration.ofMillis(20)).until(() -> {
                JsonNode status = json.readTree(http.send(HttpRequest.newBuilder(URI.create(base + "/api/backup/runs/" + id))
                        .build(), HttpResponse.BodyHandlers.ofString()).body());
                assertThat(status.path("state").asText()).as("the run must still be going").isIn("queued", "running");
                return status.path("state").asText().equals("running") && status.path("rows").asLong() > 0;
            });

            service.destroy(); // SIGTERM, mid-run
            assertThat(service.waitFor(3, TimeUnit.MINUTES)).isTrue();
        } finally {
            service.destroyForcibly();
        }

        String log = Files.readString(tmp.resolve("service.log"));
        try (Stream<Path> files = Files.list(out)) {
            List<String> names = files.map(p -> p.getFileName().toString()).sorted().toList();
            assertThat(names).as(log).hasSize(2);
            assertThat(names.get(0)).endsWith(".sql.gz");
            assertThat(names.get(1)).endsWith(".sql.gz" + Manifest.SUFFIX);
        }
        assertThat(log).contains("Backed up big: 2 tables, 800000 rows");
        try (Stream<Path> scratch = Files.list(work)) {
            assertThat(scratch.toList()).as("scratch files").isEmpty();
        }
    }
}
