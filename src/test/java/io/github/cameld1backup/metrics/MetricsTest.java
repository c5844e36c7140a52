package io.github.cameld1backup.metrics;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.cameld1backup.testing.Backups;
import io.github.cameld1backup.testing.Fixtures;
import io.github.cameld1backup.testing.Service;
import io.github.cameld1backup.testing.Service.Answer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The run mode's Prometheus scrape and health answer, over real HTTP. */
class MetricsTest {

    @TempDir
    Path tmp;

    @Test
    void backupMetricsMoveOnSuccessAndOnFailure() throws Exception {
        Path db = Fixtures.create("schema_zoo", tmp);
        Map<String, String> settings = Backups.sqlite(db);
        settings.put("backup.target", "file:" + tmp.resolve("backups"));
        settings.put("backup.work.dir", tmp.resolve("work").toString());
        try (Service service = new Service(settings)) {
            String before = scrape(service);
            assertThat(value(before, "d1backup_backups_total", "schema_zoo", "succeeded")).isZero();
            long startedAt = System.currentTimeMillis() / 1000;

            assertThat(run(service)).isEqualTo("succeeded");
            String after = scrape(service);
            assertThat(value(after, "d1backup_backups_total", "schema_zoo", "succeeded")).isEqualTo(1);
            assertThat(value(after, "d1backup_backups_total", "schema_zoo", "failed")).isZero();
            assertThat(value(after, "d1backup_last_rows", "schema_zoo", null)).isEqualTo(39);
            assertThat(value(after, "d1backup_rows_total", "schema_zoo", null)).isEqualTo(39);
            assertThat(value(after, "d1backup_last_success_timestamp_seconds", "schema_zoo", null))
                    .isGreaterThanOrEqualTo(startedAt);
            assertThat(value(after, "d1backup_last_sql_size_bytes", "schema_zoo", null)).isPositive();
            assertThat(value(after, "d1backup_last_stored_size_bytes", "schema_zoo", null)).isPositive();
            assertThat(value(after, "d1backup_source_requests_total", "schema_zoo", null)).isPositive();
            // Camel's own route and JVM metrics come in the same scrape.
            assertThat(after).contains("routeId=\"backup\"").contains("jvm_memory_used_bytes");

            // The database becomes unreadable: the next run fails, and the failure is counted.
            Files.writeString(db, "not a database ".repeat(100), StandardCharsets.US_ASCII);
            assertThat(run(service)).isEqualTo("failed");
            String failed = scrape(service);
            assertThat(value(failed, "d1backup_backups_total", "schema_zoo", "failed")).isEqualTo(1);
            assertThat(value(failed, "d1backup_backups_total", "schema_zoo", "succeeded")).isEqualTo(1);
            // The last success stays what it was.
            assertThat(value(failed, "d1backup_last_success_timestamp_seconds", "schema_zoo", null))
                    .isEqualTo(value(after, "d1backup_last_success_timestamp_seconds", "schema_zoo", null));
        }
    }

    @Test
    void healthAnswersFromCamelsHealthChecks() throws Exception {
        Map<String, String> settings = Backups.sqlite(Fixtures.create("schema_zoo", tmp));
        settings.put("backup.target", "file:" + tmp.resolve("backups"));
        try (Service service = new Service(settings)) {
            Answer health = service.call("GET", "/health", Map.of());
            assertThat(health.status()).isEqualTo(200);
            assertThat(health.json().path("status").asText()).isEqualTo("UP");
            assertThat(health.json().path("live").asBoolean()).isTrue();
            assertThat(health.json().path("ready").asBoolean()).isTrue();
            assertThat(health.json().path("runningBackups").asInt(-1)).as("a count, never the runs' ids").isZero();
            assertThat(health.json().path("checks").path("context").asText()).isEqualTo("UP");
            assertThat(health.json().path("checks").path("route:backup").asText()).isEqualTo("UP");
            assertThat(health.json().path("checks").path("route:scheduled-backup").asText()).isEqualTo("UP");

            // A route that should run but does not makes the service unready: 503, still JSON.
            service.app().context().getRouteController().stopRoute("scheduled-backup");
            Answer down = service.call("GET", "/health", Map.of());
            assertThat(down.status()).isEqualTo(503);
            assertThat(down.json().path("status").asText()).isEqualTo("DOWN");
            assertThat(down.json().path("checks").path("route:scheduled-backup").asText()).startsWith("DOWN");
            assertThat(new String(down.body(), StandardCharsets.UTF_8)).doesNotContain("Exception").doesNotContain("\tat ");
        }
    }

    private static String run(Service service) throws Exception {
        Answer started = service.call("POST", "/api/backup", Map.of("Authorization", "Bearer " + service.freshCode()));
        assertThat(started.status()).isEqualTo(202);
        return service.awaitRun(started.json().path("id").asText()).path("state").asText();
    }

    private static String scrape(Service service) throws Exception {
        Answer metrics = service.call("GET", "/metrics", Map.of());
        assertThat(metrics.status()).isEqualTo(200);
        assertThat(metrics.headers().get("content-type").get(0)).startsWith("text/plain");
        return new String(metrics.body(), StandardCharsets.UTF_8);
    }

    /** A sample's value; 0 when the series is absent (a counter that never moved). */
    private static double value(String scrape, String name, String database, String outcome) {
        Pattern line = Pattern.compile("(?m)^" + name + "\\{([^}]*)\\} (\\S+)$");
        Matcher m = line.matcher(scrape);
        while (m.find()) {
            String labels = m.group(1);
            if (labels.contains("database=\"" + database + "\"")
                    && (outcome == null || labels.contains("outcome=\"" + outcome + "\""))) {
                return Double.parseDouble(m.group(2));
            }
        }
        return 0;
    }
}
