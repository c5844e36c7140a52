package io.github.cameld1backup;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.cameld1backup.model.BackupResult;
import io.github.cameld1backup.retention.Pruner;
import io.github.cameld1backup.testing.WorkerdD1;
import io.github.cameld1backup.testing.DatabaseSnapshot;
import io.github.cameld1backup.testing.Fixtures;
import io.github.cameld1backup.testing.SigningKeys;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.apache.camel.builder.TemplatedRouteBuilder;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The drop-in templates with every setting as a parameter: two instances, two D1 databases, their own keys; one
 * signs its manifests and its restoring instance refuses a backup that is not signed.
 */
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
            SigningKeys.Pair zooKeys = SigningKeys.make(tmp.resolve("keys"), "zoo");
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
                        .parameter("manifestSigningKey", db.getKey().equals("zoo") ? zooKeys.privatePem().toString() : "")
                        .add();
                TemplatedRouteBuilder.builder(context, "d1-restore").routeId("restore-" + db.getKey())
                        .parameter("name", db.getKey())
                        .parameter("trigger", "direct:restore-" + db.getKey())
                        .parameter("to", "sqlite:" + tmp.resolve("restored-" + db.getKey() + ".db"))
                        .parameter("target", "file:" + tmp.resolve(db.getKey()))
                        .parameter("encryptionKey", db.getKey().equals("zoo") ? KEY_A : KEY_B)
                        .parameter("manifestPublicKey", db.getKey().equals("zoo") ? zooKeys.publicPem().toString() : "")
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
                String name = encrypted(tmp.resolve(db.getKey()));
                template.requestBody("direct:restore-" + db.getKey(), name);
                assertThat(DatabaseSnapshot.of(tmp.resolve("restored-" + db.getKey() + ".db")))
                        .as(db.getKey()).isEqualTo(DatabaseSnapshot.of(db.getValue()));
            }
            // Only the instance given a signing key signs; the one given the public key refuses an unsigned backup.
            assertThat(names(tmp.resolve("zoo"))).anyMatch(n -> n.endsWith(".enc.manifest.json.sig"));
            assertThat(names(tmp.resolve("edge"))).noneMatch(n -> n.endsWith(".sig"));
            String edgeName = encrypted(tmp.resolve("edge"));
            for (String file : List.of(edgeName, edgeName + ".manifest.json")) {
                Files.copy(tmp.resolve("edge").resolve(file), tmp.resolve("zoo").resolve(file));
            }
            assertThat(org.assertj.core.api.Assertions.catchThrowable(() -> template.requestBody("direct:restore-zoo", edgeName)))
                    .hasStackTraceContaining("the manifest of " + edgeName + " is not signed");
            Files.delete(tmp.resolve("zoo").resolve(edgeName));
            Files.delete(tmp.resolve("zoo").resolve(edgeName + ".manifest.json"));

            // Each instance's key is its own: the other database's key does not open it.
            String zooName = encrypted(tmp.resolve("zoo"));
            Files.copy(tmp.resolve("zoo").resolve(zooName), tmp.resolve("edge").resolve(zooName));
            assertThat(org.assertj.core.api.Assertions.catchThrowable(
                    () -> template.requestBody("direct:restore-edge", tmp.resolve("edge").resolve(zooName).toString())))
                    .hasStackTraceContaining("failed authentication");

            Pruner.Report report = template.requestBody("direct:prune-zoo", null, Pruner.Report.class);
            assertThat(report.dryRun()).isTrue();
            assertThat(report.decisions()).singleElement().satisfies(d -> assertThat(d.keep()).isTrue());
        }
    }

    private static List<String> names(Path folder) throws Exception {
        try (Stream<Path> files = Files.list(folder)) {
            return files.map(p -> p.getFileName().toString()).toList();
        }
    }

    /** The name of the (only) encrypted backup in a folder. */
    private static String encrypted(Path folder) throws Exception {
        return names(folder).stream().filter(n -> n.endsWith(".enc")).findFirst().orElseThrow();
    }
}
