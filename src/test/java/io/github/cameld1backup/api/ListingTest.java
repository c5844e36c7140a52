package io.github.cameld1backup.api;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.github.cameld1backup.BackupApplication;
import io.github.cameld1backup.BackupCli;
import io.github.cameld1backup.model.BackupResult;
import io.github.cameld1backup.model.Manifest;
import io.github.cameld1backup.testing.Backups;
import io.github.cameld1backup.testing.DatabaseSnapshot;
import io.github.cameld1backup.testing.Fixtures;
import io.github.cameld1backup.testing.S3ProxyServer;
import io.github.cameld1backup.testing.Service;
import io.github.cameld1backup.testing.Service.Answer;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.StreamSupport;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** What the API and the command line list: every readable backup, whatever its database is called, and why others are not. */
class ListingTest {

    @TempDir
    Path tmp;

    private Map<String, String> settings(Path db) {
        Map<String, String> s = Backups.sqlite(db);
        s.put("backup.target", "file:" + tmp.resolve("backups"));
        s.put("backup.work.dir", tmp.resolve("work").toString());
        s.put("backup.compression", "gzip");
        return s;
    }

    private static Map<String, String> bearer(String code) {
        return Map.of("Authorization", "Bearer " + code);
    }

    private static List<String> objects(JsonNode listing) {
        return StreamSupport.stream(listing.path("backups").spliterator(), false).map(b -> b.path("object").asText()).toList();
    }

    @Test
    void aBrokenManifestIsSkippedAndReportedAndTheOtherBackupsStillListAndDownload() throws Exception {
        Path db = Fixtures.create("schema_zoo", tmp);
        BackupResult first = Backups.run(settings(db), tmp.resolve("backups"));
        Backups.awaitNextName(first);
        BackupResult second = Backups.run(settings(db), tmp.resolve("backups"));
        Path backups = tmp.resolve("backups");
        Files.writeString(backups.resolve("broken-20260101T000000Z.sql.gz" + Manifest.SUFFIX), "{\"object\": \"broken-");
        Files.writeString(backups.resolve("bare-20260102T000000Z.sql.gz" + Manifest.SUFFIX),
                "{\"object\": \"bare-20260102T000000Z.sql.gz\", \"rows\": 3}");
        // A good manifest under another name must not make its object downloadable under that name.
        Path good = backups.resolve(Path.of(first.location()).getFileName() + Manifest.SUFFIX);
        Files.copy(good, backups.resolve("alias-20260103T000000Z.sql.gz" + Manifest.SUFFIX));

        try (Service service = new Service(settings(db))) {
            Answer listed = service.call("GET", "/api/backup", bearer(service.freshCode()));
            assertThat(listed.status()).isEqualTo(200);
            assertThat(objects(listed.json())).containsExactly(Path.of(second.location()).getFileName().toString(),
                    Path.of(first.location()).getFileName().toString());
            Map<String, String> skipped = new HashMap<>();
            listed.json().path("skipped").forEach(s -> skipped.put(s.path("name").asText(), s.path("reason").asText()));
            assertThat(skipped).containsOnlyKeys("broken-20260101T000000Z.sql.gz" + Manifest.SUFFIX,
                    "bare-20260102T000000Z.sql.gz" + Manifest.SUFFIX, "alias-20260103T000000Z.sql.gz" + Manifest.SUFFIX);
            assertThat(skipped.get("broken-20260101T000000Z.sql.gz" + Manifest.SUFFIX)).startsWith("not valid JSON");
            assertThat(skipped.get("bare-20260102T000000Z.sql.gz" + Manifest.SUFFIX))
                    .isEqualTo("missing startedAt, tables, sha256, compression, encryption");
            assertThat(skipped.get("alias-20260103T000000Z.sql.gz" + Manifest.SUFFIX)).isEqualTo("names another object");
            assertThat(new String(listed.body())).doesNotContain(tmp.toString());

            for (BackupResult r : List.of(first, second)) {
                Path file = Path.of(r.location());
                Answer download = service.call("GET", "/api/backup/" + file.getFileName(), bearer(service.freshCode()));
                assertThat(download.status()).isEqualTo(200);
                assertThat(download.body()).isEqualTo(Files.readAllBytes(file));
            }
            assertThat(service.call("GET", "/api/backup/alias-20260103T000000Z.sql.gz", bearer(service.freshCode()))
                    .status()).isEqualTo(404);
        }

        // The command line lists the same, and says what it skipped.
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        CommandLine cli = BackupCli.commandLine();
        cli.setOut(new PrintWriter(out, true));
        cli.setErr(new PrintWriter(err, true));
        int exit = cli.execute("list", "--target", "file:" + backups);
        assertThat(exit).as(err.toString()).isZero();
        assertThat(out.toString()).contains("2 backups in file:").contains(Path.of(first.location()).getFileName().toString());
        assertThat(err.toString()).contains("skipped broken-20260101T000000Z.sql.gz.manifest.json: not valid JSON")
                .contains("skipped bare-20260102T000000Z.sql.gz.manifest.json: missing startedAt");
    }

    @Test
    void aListingThatFailsIsAJsonError() throws Exception {
        try (S3ProxyServer s3 = new S3ProxyServer()) {
            Map<String, String> settings = s3.settings(settings(Fixtures.create("schema_zoo", tmp)));
            settings.put("backup.target", "r2:no-such-bucket");
            try (Service service = new Service(settings)) {
                Answer listed = service.call("GET", "/api/backup", bearer(service.freshCode()));
                assertThat(listed.status()).isEqualTo(500);
                assertThat(listed.headers().get("content-type")).containsExactly("application/json");
                assertThat(listed.headers().get("cache-control")).containsExactly("no-store");
                assertThat(listed.headers().get("x-content-type-options")).containsExactly("nosniff");
                assertThat(listed.json().path("error").asText()).isEqualTo("internal error; see the server log");
            }
        }
    }

    @Test
    void backupsOfDatabasesWithAwkwardNamesAreListedDownloadedAndRestoredByName() throws Exception {
        Path zoo = Fixtures.create("schema_zoo", tmp);
        List<String> databases = List.of("_stage", "-x", ".hidden", "ünï cödé", "a..b");
        List<String> names = new ArrayList<>();
        for (String database : databases) {
            Path db = Files.copy(zoo, tmp.resolve(database + ".db"));
            BackupResult r = Backups.run(settings(db), tmp.resolve("backups"));
            names.add(Path.of(r.location()).getFileName().toString());
        }
        assertThat(names).allSatisfy(n -> assertThat(n).matches("[A-Za-z0-9_][A-Za-z0-9._-]*\\.sql\\.gz")
                .doesNotContain(".."));
        assertThat(names.get(0)).startsWith("_stage-");
        assertThat(names.get(1)).startsWith("_-x-");
        assertThat(names.get(2)).startsWith("_.hidden-");

        try (Service service = new Service(settings(zoo))) {
            Answer listed = service.call("GET", "/api/backup", bearer(service.freshCode()));
            assertThat(objects(listed.json())).containsExactlyInAnyOrderElementsOf(names);
            for (String name : names) {
                Answer download = service.call("GET", "/api/backup/" + name, bearer(service.freshCode()));
                assertThat(download.status()).as(name).isEqualTo(200);
                assertThat(download.body()).as(name).isEqualTo(Files.readAllBytes(tmp.resolve("backups").resolve(name)));
            }
        }
        try (BackupApplication app = BackupApplication.start(settings(zoo))) {
            for (String name : names) {
                Path restored = tmp.resolve("restored-" + names.indexOf(name) + ".db");
                app.restore(name, "sqlite:" + restored, false, 1);
                assertThat(DatabaseSnapshot.of(restored)).as(name).isEqualTo(DatabaseSnapshot.of(zoo));
            }
        }
    }
}
