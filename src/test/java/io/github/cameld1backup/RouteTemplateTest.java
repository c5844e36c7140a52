package io.github.cameld1backup;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.cameld1backup.model.BackupResult;
import io.github.cameld1backup.retention.Pruner;
import io.github.cameld1backup.testing.WorkerdD1;
import io.github.cameld1backup.testing.DatabaseSnapshot;
import io.github.cameld1backup.testing.Fixtures;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.apache.camel.builder.TemplatedRouteBuilder;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The drop-in templates with every setting as a parameter: two instances, two D1 databases, their own keys. */
class RouteTemplateTest {

    private static final String KEY_A = "0f".repeat(32);
    private static final String KEY_B = "a5".repeat(32);

    @TempDir
    Path tmp;

    @Test
    void instancesBackUpRestoreAndPruneTheirOwnDatabaseWithTheirOwnSettings() throws Exception {
        Path zoo = Fixtures.create("schema_zoo", tmp);
        Path edge = Fixtures.create("edge_values", tmp);
        try (WorkerdD1 d1 = new WorkerdD1();
             BackupApplication app = BackupApplication.start(Map.of("backup.work.dir", tmp.resolve("work").toString()))) {
            var context = app.context();
            String zooId = d1.addDatabase("zoo", zoo);
            for (var db : List.of(Map.entry("zoo", zooId), Map.entry("edge", d1.addDatabase("edge", edge)))) {
                TemplatedRouteBuilder.builder(context, "d1-backup").routeId("backup-" + db.getKey())
                        .parameter("name", db.getKey())
                        .parameter("trigger", "direct:backup-" + db.getKey())
                        .parameter("databaseId", db.getValue())
                        .parameter("accountId", WorkerdD1.ACCOUNT)
                        .parameter("apiToken", WorkerdD1.TOKEN)
                        .parameter("apiBaseUrl", d1.baseUrl())
                        .parameter("target", "file:" + tmp.resolve(db.getKey()))
                        .parameter("encryption", "aes-256-gcm")
                        .parameter("encryptionKey", db.getKey().equals("zoo") ? KEY_A : KEY_B)
                        .add();
                TemplatedRouteBuilder.builder(context, "d1-restore").routeId("restore-" + db.getKey())
                        .parameter("name", db.getKey())
                        .parameter("trigger", "direct:restore-" + db.getKey())
                        .parameter("to", "sqlite:" + tmp.resolve("restored-" + db.getKey() + ".db"))
                        .parameter("target", "file:" + tmp.resolve(db.getKey()))
                        .parameter("encryptionKey", db.getKey().equals("zoo") ? KEY_A : KEY_B)
                        .add();
            }
            TemplatedRouteBuilder.builder(context, "d1-prune").routeId("prune-zoo")
                    .parameter("name", "zoo")
                    .parameter("trigger", "direct:prune-zoo")
                    .parameter("databaseId", zooId)
                    .parameter("target", "file:" + tmp.resolve("zoo"))
                    .parameter("dryRun", "true")
                    .add();

            var template = app.context().createProducerTemplate();
            BackupResult zooRun = template.requestBody("direct:backup-zoo", null, BackupResult.class);
            BackupResult edgeRun = template.requestBody("direct:backup-edge", null, BackupResult.class);
            assertThat(zooRun.locations()).singleElement().asString().startsWith(tmp.resolve("zoo") + "/zoo-").endsWith(".sql.gz.enc");
            assertThat(edgeRun.locations()).singleElement().asString().startsWith(tmp.resolve("edge") + "/edge-");

            for (var db : Map.of("zoo", zoo, "edge", edge).entrySet()) {
                String name;
                try (Stream<Path> files = Files.list(tmp.resolve(db.getKey()))) {
                    name = files.map(p -> p.getFileName().toString()).filter(n -> n.endsWith(".enc")).findFirst().orElseThrow();
                }
                template.requestBody("direct:restore-" + db.getKey(), name);
                assertThat(DatabaseSnapshot.of(tmp.resolve("restored-" + db.getKey() + ".db")))
                        .as(db.getKey()).isEqualTo(DatabaseSnapshot.of(db.getValue()));
            }
            // Each instance's key is its own: the other database's key does not open it.
            String zooName;
            try (Stream<Path> files = Files.list(tmp.resolve("zoo"))) {
                zooName = files.map(p -> p.getFileName().toString()).filter(n -> n.endsWith(".enc")).findFirst().orElseThrow();
            }
            Files.copy(tmp.resolve("zoo").resolve(zooName), tmp.resolve("edge").resolve(zooName));
            assertThat(org.assertj.core.api.Assertions.catchThrowable(
                    () -> template.requestBody("direct:restore-edge", tmp.resolve("edge").resolve(zooName).toString())))
                    .hasStackTraceContaining("failed authentication");

            Pruner.Report report = template.requestBody("direct:prune-zoo", null, Pruner.Report.class);
            assertThat(report.dryRun()).isTrue();
            assertThat(report.decisions()).singleElement().satisfies(d -> assertThat(d.keep()).isTrue());
        }
    }
}
