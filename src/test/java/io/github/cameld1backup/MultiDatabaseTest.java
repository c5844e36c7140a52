package io.github.cameld1backup;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import io.github.cameld1backup.model.Manifest;
import io.github.cameld1backup.testing.WorkerdD1;
import io.github.cameld1backup.testing.DatabaseSnapshot;
import io.github.cameld1backup.testing.Fixtures;
import io.github.cameld1backup.testing.Service;
import io.github.cameld1backup.testing.Sqlite3Cli;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.apache.camel.component.quartz.QuartzEndpoint;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** One deployment, several databases: each with its own source, target and exclusions, each run on its own. */
class MultiDatabaseTest {

    @TempDir
    Path tmp;

    /** A YAML settings file naming three databases: a SQLite file with data left out, D1, and one that is gone. */
    private Path config(WorkerdD1 d1, Path shop, String zooId) throws Exception {
        Path file = tmp.resolve("backup.yaml");
        Files.writeString(file, """
                backup:
                  databases: [shop, zoo, gone]
                  compression: none
                  work.dir: %s
                cloudflare:
                  api.base.url: %s
                  account.id: %s
                  api.token: %s
                database:
                  shop:
                    backup:
                      source: sqlite:%s
                      target: file:%s
                      exclude: [pairs, items.tag]
                  zoo:
                    backup.source: d1
                    backup.target: file:%s
                    d1.database.id: %s
                  gone:
                    backup.source: sqlite:%s
                    backup.target: file:%s
                """.formatted(tmp.resolve("work"), d1.baseUrl(), WorkerdD1.ACCOUNT, WorkerdD1.TOKEN, shop,
                tmp.resolve("shop-backups"), tmp.resolve("zoo-backups"), zooId, tmp.resolve("nope.db"),
                tmp.resolve("gone-backups")));
        return file;
    }

    private record Cli(int exit, String out, String err) {
    }

    private static Cli cli(String... args) {
        CommandLine cli = BackupCli.commandLine();
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        cli.setOut(new PrintWriter(out, true));
        cli.setErr(new PrintWriter(err, true));
        int exit = cli.execute(args);
        return new Cli(exit, out.toString(), err.toString());
    }

    private static Path only(Path folder, String suffix) throws Exception {
        try (Stream<Path> files = Files.list(folder)) {
            List<Path> found = files.filter(p -> p.getFileName().toString().endsWith(suffix)).toList();
            assertThat(found).as(folder + " *" + suffix).hasSize(1);
            return found.get(0);
        }
    }

    @Test
    void everyDatabaseIsBackedUpOnItsOwnAndOneFailingDoesNotStopTheOthers() throws Exception {
        Path shop = Fixtures.manyRows(tmp, "shop", 60);
        Path zoo = Fixtures.create("schema_zoo", tmp);
        try (WorkerdD1 d1 = new WorkerdD1()) {
            Path config = config(d1, shop, d1.addDatabase("zoo", zoo));

            Cli all = cli("backup", "--config", config.toString());
            assertThat(all.exit()).as(all.err()).isEqualTo(1);
            assertThat(all.out()).contains("Backed up shop:").contains("Backed up zoo:");
            assertThat(all.err()).contains("gone: SQLite database not found");

            // zoo: every value back, from behind the D1 API, in its own folder, named after its configuration.
            Path zooDump = only(tmp.resolve("zoo-backups"), ".sql");
            assertThat(zooDump.getFileName().toString()).startsWith("zoo-");
            Path zooRestored = tmp.resolve("zoo-restored.db");
            Sqlite3Cli.load(zooRestored, zooDump);
            assertThat(DatabaseSnapshot.of(zooRestored)).isEqualTo(DatabaseSnapshot.of(zoo));

            // shop: the left-out table comes back empty and the left-out column at its default, nothing else differs.
            Path shopDump = only(tmp.resolve("shop-backups"), ".sql");
            assertThat(Files.readString(shopDump)).doesNotContain("X'0100'").doesNotContain("INSERT INTO \"pairs\"");
            Path shopRestored = tmp.resolve("shop-restored.db");
            Sqlite3Cli.load(shopRestored, shopDump);
            Path expected = Files.copy(shop, tmp.resolve("shop-expected.db"));
            try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + expected); Statement s = c.createStatement()) {
                s.execute("UPDATE items SET tag = NULL");
                s.execute("DELETE FROM pairs");
            }
            assertThat(DatabaseSnapshot.of(shopRestored)).isEqualTo(DatabaseSnapshot.of(expected));
            assertThat(tmp.resolve("gone-backups")).doesNotExist();

            // --database: one database only; list shows that database's backups.
            Cli one = cli("backup", "--config", config.toString(), "--database", "zoo");
            assertThat(one.exit()).as(one.err()).isZero();
            assertThat(one.out()).contains("Backed up zoo:").doesNotContain("shop");
            Cli list = cli("list", "--config", config.toString(), "--database", "zoo");
            assertThat(list.out()).contains("2 backups in file:" + tmp.resolve("zoo-backups"));
            Cli unknown = cli("backup", "--config", config.toString(), "--database", "nosuch");
            assertThat(unknown.exit()).isEqualTo(1);
            assertThat(unknown.err()).contains("no database 'nosuch' is configured (BACKUP_DATABASES: shop, zoo, gone)");
        }
    }

    @Test
    void exclusionsThatWouldLoseTheRestoreOrNameNothingAreRefused() throws Exception {
        Path shop = Fixtures.manyRows(tmp, "shop", 10);
        Map<String, String> settings = new HashMap<>(Map.of("backup.source", "sqlite:" + shop,
                "backup.target", "file:" + tmp.resolve("out"), "backup.work.dir", tmp.resolve("work").toString()));
        settings.put("backup.exclude", "items.name");
        try (BackupApplication app = BackupApplication.start(settings)) {
            assertThatThrownBy(app::backup).hasMessageContaining("items.name is NOT NULL without a default");
        }
        settings.put("backup.exclude", "items.id");
        try (BackupApplication app = BackupApplication.start(settings)) {
            assertThatThrownBy(app::backup).hasMessageContaining("items.id is part of the primary key");
        }
        settings.put("backup.exclude", "orders, items.colour");
        try (BackupApplication app = BackupApplication.start(settings)) {
            assertThatThrownBy(app::backup).hasMessageContaining("does not have: orders");
        }
        assertThat(tmp.resolve("out")).doesNotExist();
    }

    @Test
    void theServiceSchedulesEachDatabaseAndTheApiNeedsToKnowWhich() throws Exception {
        Path a = Fixtures.manyRows(tmp, "alpha", 20);
        Path b = Fixtures.manyRows(tmp, "beta", 30);
        Map<String, String> settings = new HashMap<>();
        settings.put("backup.databases", "alpha,beta");
        settings.put("database.alpha.backup.source", "sqlite:" + a);
        settings.put("database.beta.backup.source", "sqlite:" + b);
        settings.put("backup.target", "file:" + tmp.resolve("backups"));
        settings.put("backup.work.dir", tmp.resolve("work").toString());
        // alpha fires every second; beta only when asked.
        settings.put("database.alpha.backup.cron", "0/1 * * * * ?");
        settings.put("database.beta.backup.cron.time.zone", "Etc/GMT+2");
        settings.put("retention.cron", "0 30 4 ? * MON#1");
        try (Service service = new Service(settings)) {
            // The triggers written in routes/service/*.camel.yaml get each setting verbatim, spaces, ? # and + too.
            var context = service.app().context();
            QuartzEndpoint beta = (QuartzEndpoint) context.getRoute("scheduled-backup-beta").getEndpoint();
            assertThat(beta.getTriggerKey().toString()).isEqualTo("camel-d1-backup.backup-beta");
            assertThat(beta.getCron()).isEqualTo("0 0 3 1 1 ? 2099");
            assertThat(beta.getTriggerParameters()).containsEntry("timeZone", "Etc/GMT+2");
            QuartzEndpoint prune = (QuartzEndpoint) context.getRoute("scheduled-prune").getEndpoint();
            assertThat(prune.getCron()).isEqualTo("0 30 4 ? * MON#1");

            await("alpha's schedule fires").atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(100))
                    .until(() -> !backups(tmp.resolve("backups"), "alpha-").isEmpty());

            Service.Answer unnamed = service.call("POST", "/api/backup", bearer(service.freshCode()));
            assertThat(unnamed.status()).isEqualTo(400);
            assertThat(unnamed.json().path("databases").toString()).isEqualTo("[\"alpha\",\"beta\"]");
            assertThat(service.call("POST", "/api/backup?database=gamma", bearer(service.freshCode())).status())
                    .isEqualTo(404);

            Service.Answer started = service.call("POST", "/api/backup?database=beta", bearer(service.freshCode()));
            assertThat(started.status()).as(started.json().toString()).isEqualTo(202);
            JsonNode run = service.awaitRun(started.json().path("id").asText());
            assertThat(run.path("state").asText()).as(run.toString()).isEqualTo("succeeded");
            assertThat(run.path("database").asText()).isEqualTo("beta");
            assertThat(backups(tmp.resolve("backups"), "beta-")).hasSize(1);

            // Listing one database shows only its own backups, though both share the folder.
            Service.Answer listed = service.call("GET", "/api/backup?database=beta", bearer(service.freshCode()));
            assertThat(listed.json().path("backups")).hasSize(1);
            assertThat(listed.json().path("backups").get(0).path("database").path("name").asText()).isEqualTo("beta");
        }
    }

    private static Map<String, String> bearer(String code) {
        return Map.of("Authorization", "Bearer " + code);
    }

    private static List<String> backups(Path folder, String prefix) throws Exception {
        if (!Files.isDirectory(folder)) {
            return List.of();
        }
        try (Stream<Path> files = Files.list(folder)) {
            return files.map(p -> p.getFileName().toString())
                    .filter(n -> n.startsWith(prefix) && n.endsWith(Manifest.SUFFIX)).toList();
        }
    }
}
