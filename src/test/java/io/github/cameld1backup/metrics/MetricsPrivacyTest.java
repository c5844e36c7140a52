package io.github.cameld1backup.metrics;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.github.cameld1backup.testing.Backups;
import io.github.cameld1backup.testing.Fixtures;
import io.github.cameld1backup.testing.Service;
import io.github.cameld1backup.testing.Service.Answer;
import io.github.cameld1backup.testing.WorkerdD1;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * What the answers that need no code tell a stranger: /metrics shows database names and sizes, never D1's account
 * or database ids, URLs or the host's paths; a run's status (read by its id alone) no URLs or paths.
 */
class MetricsPrivacyTest {

    @RegisterExtension
    static final WorkerdD1 d1 = WorkerdD1.perClass();

    @TempDir
    Path tmp;

    @Test
    void metricsAndRunStatusShowNoIdsUrlsOrPaths() throws Exception {
        String id = d1.addDatabase("zoo", Fixtures.create("schema_zoo", tmp));
        String missing = "0f0f0f0f-0000-4000-8000-000000000000"; // a database D1 does not have: the run fails
        Map<String, String> settings = Backups.d1(d1, id);
        settings.put("backup.databases", "zoo,gone");
        settings.put("database.gone.d1.database.id", missing);
        settings.put("database.gone.d1.retries", "0");
        settings.put("backup.target", "file:" + tmp.resolve("backups"));
        settings.put("backup.work.dir", tmp.resolve("work").toString());
        try (Service service = new Service(settings)) {
            JsonNode ok = run(service, "zoo");
            assertThat(ok.path("state").asText()).as(ok.toString()).isEqualTo("succeeded");
            assertThat(ok.path("locations").get(0).asText()).isEqualTo("file:backups/" + ok.path("backup").asText());
            JsonNode failed = run(service, "gone");
            assertThat(failed.path("state").asText()).as(failed.toString()).isEqualTo("failed");

            String metrics = new String(service.call("GET", "/metrics", Map.of()).body());
            assertThat(metrics).contains("d1backup_backups_total{database=\"zoo\",outcome=\"succeeded\"}")
                    .contains("d1backup_backups_total{database=\"gone\",outcome=\"failed\"}")
                    .contains("routeId=\"backup\"");
            assertThat(metrics).doesNotContain(WorkerdD1.ACCOUNT).doesNotContain(id).doesNotContain(missing)
                    .doesNotContain(d1.baseUrl()).doesNotContain(tmp.toString())
                    .doesNotContain(System.getProperty("java.io.tmpdir") + "/");
            // A failed run keeps D1's own words (they name the database it could not find), never a URL or a path.
            assertThat(failed.path("errors").get(0).asText()).contains("could not be found");
            for (JsonNode status : new JsonNode[] {ok, failed}) {
                assertThat(status.toString()).doesNotContain(d1.baseUrl()).doesNotContain(tmp.toString())
                        .doesNotContain(System.getProperty("java.io.tmpdir") + "/");
            }
        }
    }

    private static JsonNode run(Service service, String database) throws Exception {
        Answer started = service.call("POST", "/api/backup?database=" + database,
                Map.of("Authorization", "Bearer " + service.freshCode()));
        assertThat(started.status()).as(started.json().toString()).isEqualTo(202);
        return service.awaitRun(started.json().path("id").asText());
    }
}
