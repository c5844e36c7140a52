package io.github.cameld1backup;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.github.cameld1backup.model.BackupResult;
import io.github.cameld1backup.model.Manifest;
import io.github.cameld1backup.observe.BackupMetrics;
import io.github.cameld1backup.testing.Backups;
import io.github.cameld1backup.testing.Fixtures;
import io.github.cameld1backup.testing.Service;
import io.github.cameld1backup.testing.WorkerdD1;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.apache.camel.builder.TemplatedRouteBuilder;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * backup.skip.unchanged (issue 16): a run whose source has not changed since its newest backup writes nothing,
 * costs one D1 request and no row read, and is reported as unchanged; after a write it backs up again.
 */
class SkipUnchangedTest {

    private static final ObjectMapper JSON = new ObjectMapper();

    @RegisterExtension
    static final WorkerdD1 d1 = WorkerdD1.perClass();

    @TempDir
    Path tmp;

    @Test
    void anUnchangedD1CostsOneRequestAndNoRowReadAndWritesNothingThenAWriteIsBackedUp() throws Exception {
        Path source = Fixtures.create("schema_zoo", tmp);
        String id = d1.addDatabase("zoo", source);
        Path backups = tmp.resolve("backups");
        Path audit = tmp.resolve("audit.jsonl");
        Map<String, String> settings = Backups.d1(d1, id);
        settings.put("backup.target", "file:" + backups);
        settings.put("backup.work.dir", tmp.resolve("work").toString());
        settings.put("audit.location", "file:" + audit);
        settings.put("camel.metrics.enabled", "true");
        settings.put("backup.compression", "none");

        BackupResult first = Backups.run(settings, backups);
        String name = Path.of(first.location()).getFileName().toString();
        Manifest manifest = manifest(backups, name);
        assertThat(manifest.sourceVersion()).as("the bookmark, equal before and after").isEqualTo(d1.bookmark(id))
                .isEqualTo(manifest.timeTravel().bookmarkAfter());
        List<Path> stored = files(backups);

        settings.put("backup.skip.unchanged", "true");
        d1.resetCounters();
        try (BackupApplication app = BackupApplication.start(settings)) {
            BackupResult unchanged = app.backup();
            assertThat(unchanged.unchanged()).isTrue();
            assertThat(unchanged.summary()).isEqualTo("unchanged since " + name);
            assertThat(unchanged.location()).isEqualTo(first.location());
            assertThat(d1.requests()).as("one request: the bookmark").isEqualTo(1);
            assertThat(d1.rowsRead()).isZero();
            assertThat(d1.log()).as("no SQL at all").isEmpty();
            assertThat(files(backups)).isEqualTo(stored);
            assertThat(files(tmp.resolve("work"))).as("no spool or scratch file").isEmpty();
            assertThat(BackupMetrics.of(app.context()).registry().get("d1backup.backups")
                    .tags("outcome", "unchanged", "database", "zoo").counter().count()).isEqualTo(1);
            assertThat(BackupMetrics.of(app.context()).registry().find("d1backup.backups")
                    .tags("outcome", "succeeded").counter()).isNull();
        }
        List<String> lines = Files.readAllLines(audit);
        JsonNode record = JSON.readTree(lines.get(lines.size() - 1));
        assertThat(record.path("operation").asText()).isEqualTo("backup");
        assertThat(record.path("outcome").asText()).isEqualTo("unchanged");
        assertThat(record.path("unchangedSince").asText()).isEqualTo(name);
        assertThat(record.path("requests").asInt()).isEqualTo(1);

        // One write: the next run backs up, and records the new bookmark.
        Backups.awaitNextName(first);
        d1.execute(id, "INSERT INTO auto(v) VALUES ('written after the backup')");
        d1.resetCounters();
        BackupResult second = Backups.run(settings, backups);
        assertThat(second.unchanged()).isFalse();
        assertThat(second.location()).isNotEqualTo(first.location());
        assertThat(d1.rowsRead()).isPositive();
        assertThat(manifest(backups, Path.of(second.location()).getFileName().toString()).sourceVersion())
                .isEqualTo(d1.bookmark(id)).isNotEqualTo(manifest.sourceVersion());
        assertThat(files(backups)).hasSize(stored.size() + 2);
    }

    @Test
    void theCommandLinePrintsUnchangedSinceAndExitsZeroForASqliteFileThenBacksUpAChange() throws Exception {
        Path db = Fixtures.create("schema_zoo", tmp);
        Path target = tmp.resolve("out");
        String[] common = {"--source", "sqlite:" + db, "--target", "file:" + target, "--no-progress"};
        String[] first = cli(concat(new String[] {"backup"}, common));
        assertThat(first[0]).isEqualTo("0");
        List<Path> stored = files(target);
        assertThat(stored).hasSize(2);
        String name = stored.stream().map(p -> p.getFileName().toString()).filter(n -> !n.endsWith(Manifest.SUFFIX))
                .findFirst().orElseThrow();
        assertThat(manifest(target, name).sourceVersion()).startsWith("sqlite-counter:");

        String[] skipped = cli(concat(new String[] {"backup", "--skip-unchanged"}, common));
        assertThat(skipped[0]).isEqualTo("0");
        assertThat(skipped[1].strip()).isEqualTo("unchanged since " + name);
        assertThat(skipped[2]).isEmpty();
        assertThat(files(target)).isEqualTo(stored);

        // Another format is another backup, unchanged source or not.
        String[] otherFormat = cli(concat(new String[] {"backup", "--skip-unchanged", "--compression", "none"}, common));
        assertThat(otherFormat[0]).isEqualTo("0");
        assertThat(otherFormat[1]).startsWith("Backed up schema_zoo");
        List<Path> afterFormat = files(target);
        assertThat(afterFormat).hasSize(4);

        // One write to the file: backed up.
        try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + db); Statement s = c.createStatement()) {
            s.execute("INSERT INTO auto(v) VALUES ('one more')");
        }
        String[] changed = cli(concat(new String[] {"backup", "--skip-unchanged", "--compression", "none"}, common));
        assertThat(changed[0]).isEqualTo("0");
        assertThat(changed[1]).startsWith("Backed up schema_zoo");
        assertThat(files(target)).hasSize(6);
        // --no-skip-unchanged backs up an unchanged file (as the command does by default).
        String[] forced = cli(concat(new String[] {"backup", "--no-skip-unchanged", "--compression", "none"}, common));
        assertThat(forced[1]).startsWith("Backed up schema_zoo");
    }

    @Test
    void skippingIsRefusedWhenTheNewestFullBackupIsOlderThanFullEvery() throws Exception {
        Path db = Fixtures.create("schema_zoo", tmp);
        Path backups = tmp.resolve("backups");
        Map<String, String> settings = Backups.sqlite(db);
        settings.put("backup.skip.unchanged", "true");
        BackupResult first = Backups.run(settings, backups);
        String name = Path.of(first.location()).getFileName().toString();

        // The only backup was taken ten days ago (its manifest says so).
        Path manifestFile = backups.resolve(name + Manifest.SUFFIX);
        ObjectNode json = (ObjectNode) JSON.readTree(manifestFile.toFile());
        json.put("startedAt", Instant.now().minus(Duration.ofDays(10)).toString());
        JSON.writeValue(manifestFile.toFile(), json);

        settings.put("backup.full.every", "P30D");
        assertThat(Backups.run(settings, backups).summary()).isEqualTo("unchanged since " + name);

        settings.put("backup.full.every", "P7D");
        BackupResult full = Backups.run(settings, backups);
        assertThat(full.unchanged()).as("a full backup is due").isFalse();
        assertThat(manifest(backups, Path.of(full.location()).getFileName().toString()).kind()).isEqualTo(Manifest.FULL);
        assertThat(Backups.run(settings, backups).summary()).as("the new full backup is young")
                .isEqualTo("unchanged since " + Path.of(full.location()).getFileName());
    }

    /** The adaptive schedule: an every-second cron writes one backup of a quiet database, then one per change. */
    @Test
    void scheduledRunsSkipByDefaultAndTheApiAndTemplatesTakeTheOption() throws Exception {
        Path db = Fixtures.create("schema_zoo", tmp);
        Path backups = tmp.resolve("backups");
        Map<String, String> settings = Backups.sqlite(db);
        settings.put("backup.target", "file:" + backups);
        settings.put("backup.work.dir", tmp.resolve("work").toString());
        settings.put("backup.cron", "* * * * * ?");
        try (Service service = new Service(settings)) {
            Service.Answer opened = service.call("POST", "/api/session",
                    Map.of("Authorization", "Bearer " + service.freshCode()));
            String session = opened.json().path("token").asText();
            await("scheduled runs found the database unchanged").atMost(Duration.ofSeconds(20))
                    .pollInterval(Duration.ofMillis(200)).until(() -> runs(service, session, "schedule", "unchanged") >= 2);
            assertThat(files(backups)).as("one backup and its manifest").hasSize(2);
            assertThat(runs(service, session, "schedule", "failed")).isZero();

            // The API: ?skipUnchanged=true skips; a malformed value is refused; without it, the run backs up.
            Service.Answer bad = service.call("POST", "/api/backup?skipUnchanged=maybe",
                    Map.of("Authorization", "Bearer " + service.freshCode()));
            assertThat(bad.status()).isEqualTo(400);
            JsonNode skipped = start(service, "?skipUnchanged=true");
            assertThat(skipped.path("state").asText()).isEqualTo("unchanged");
            assertThat(skipped.path("unchangedSince").asText()).endsWith(".sql.gz");
            assertThat(skipped.path("locations").get(0).asText()).endsWith(skipped.path("unchangedSince").asText());

            // One write: the schedule backs it up within a second or two.
            try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + db); Statement s = c.createStatement()) {
                s.execute("INSERT INTO auto(v) VALUES ('one more')");
            }
            await("the change backed up").atMost(Duration.ofSeconds(20)).pollInterval(Duration.ofMillis(200))
                    .until(() -> files(backups).size() == 4);
            service.app().context().getRouteController().stopRoute("scheduled-backup");

            // A route template's skipUnchanged parameter.
            TemplatedRouteBuilder.builder(service.app().context(), "d1-backup").routeId("backup-zoo")
                    .parameter("name", "schema_zoo")
                    .parameter("trigger", "direct:backup-zoo")
                    .parameter("source", "sqlite:" + db)
                    .parameter("target", "file:" + backups)
                    .parameter("skipUnchanged", "true")
                    .add();
            BackupResult templated = service.app().context().createProducerTemplate()
                    .requestBody("direct:backup-zoo", null, BackupResult.class);
            assertThat(templated.unchanged()).isTrue();
            assertThat(files(backups)).hasSize(4);
        }
    }

    private static JsonNode start(Service service, String query) throws Exception {
        Service.Answer started = service.call("POST", "/api/backup" + query,
                Map.of("Authorization", "Bearer " + service.freshCode()));
        assertThat(started.status()).isEqualTo(202);
        return service.awaitRun(started.json().path("id").asText());
    }

    private static long runs(Service service, String session, String trigger, String state) throws Exception {
        JsonNode runs = service.call("GET", "/api/backup/runs", Map.of("Authorization", "Bearer " + session)).json();
        long n = 0;
        for (JsonNode run : runs) {
            if (run.path("trigger").asText().equals(trigger) && run.path("state").asText().equals(state)) {
                n++;
            }
        }
        return n;
    }

    private static String[] cli(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        CommandLine cli = BackupCli.commandLine();
        cli.setOut(new PrintWriter(out, true));
        cli.setErr(new PrintWriter(err, true));
        int exit = cli.execute(args);
        return new String[] {String.valueOf(exit), out.toString(), err.toString()};
    }

    private static String[] concat(String[] a, String[] b) {
        return Stream.concat(Stream.of(a), Stream.of(b)).toArray(String[]::new);
    }

    private static Manifest manifest(Path dir, String object) throws Exception {
        return JSON.readValue(dir.resolve(object + Manifest.SUFFIX).toFile(), Manifest.class);
    }

    private static List<Path> files(Path dir) throws Exception {
        if (!Files.isDirectory(dir)) {
            return List.of();
        }
        try (Stream<Path> files = Files.list(dir)) {
            return files.sorted().toList();
        }
    }
}
