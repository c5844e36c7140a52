package io.github.cameld1backup;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.github.cameld1backup.model.BackupResult;
import io.github.cameld1backup.testing.Backups;
import io.github.cameld1backup.testing.WorkerdD1;
import io.github.cameld1backup.testing.Fixtures;
import io.github.cameld1backup.testing.S3ProxyServer;
import io.github.cameld1backup.testing.Service;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Every backup, restore, verify, prune and refused API request leaves one JSON line, and no secret. */
class AuditLogTest {

    static final String KEY = "a1b2c3d4e5f60718293a4b5c6d7e8f90a1b2c3d4e5f60718293a4b5c6d7e8f90";

    @TempDir
    Path tmp;

    @Test
    void operationsAreAuditedAsJsonLinesWithoutSecrets() throws Exception {
        Path audit = tmp.resolve("audit/audit.jsonl");
        Path backups = tmp.resolve("backups");
        try (WorkerdD1 d1 = new WorkerdD1()) {
            Map<String, String> s = Backups.d1(d1, d1.addDatabase("shop", Fixtures.create("edge_values", tmp)));
            s.put("audit.location", "file:" + audit);
            s.put("encryption.key", KEY);
            s.put("backup.target", "file:" + backups);
            s.put("restore.d1.database.id", d1.addDatabase("restore", tmp.resolve("restore.db")));
            BackupResult ok = Backups.run(s, backups);

            Map<String, String> badToken = new java.util.HashMap<>(s);
            badToken.put("cloudflare.api.token", "wrong-secret-token");
            assertThat(catchThrowable(() -> Backups.run(badToken, backups))).isNotNull();

            String name = Path.of(ok.location()).getFileName().toString();
            try (BackupApplication app = BackupApplication.start(s)) {
                app.restore(name, "sqlite:" + tmp.resolve("restored.db"), false, 1);
                assertThat(catchThrowable(() -> app.restore("missing-20200101T000000Z.sql", "d1", false, 1))).isNotNull();
                app.verify(name);
                app.prune(true);
            }
            try (Service service = new Service(s)) {
                service.call("POST", "/api/backup", Map.of("Authorization", "Bearer 314159"));
                service.call("POST", "/api/backup", Map.of());
            }
        }

        ObjectMapper json = new ObjectMapper();
        List<JsonNode> events = new ArrayList<>();
        for (String line : Files.readAllLines(audit)) {
            events.add(json.readTree(line));
        }
        List<String> kinds = events.stream().map(e -> e.path("operation").asText() + "/" + e.path("outcome").asText()).toList();
        assertThat(kinds).containsExactly("backup/succeeded", "backup/failed", "restore/succeeded", "restore/failed",
                "verify/succeeded", "prune/dry-run", "api/refused", "api/refused");
        JsonNode backup = events.get(0);
        assertThat(backup.path("objects").get(0).asText()).endsWith(".sql.enc"); // the test helper turns gzip off
        assertThat(backup.path("storedBytes").asLong()).isPositive();
        assertThat(backup.path("durationMs").isNumber()).isTrue();
        assertThat(events.get(1).path("error").asText()).contains("Authentication error");
        assertThat(events.get(6).path("client").asText()).isEqualTo("127.0.0.1");
        assertThat(events.get(6).path("status").asInt()).isEqualTo(401);
        assertThat(events).allMatch(e -> e.hasNonNull("time"));
        String all = Files.readString(audit);
        assertThat(all).doesNotContain(KEY).doesNotContain(WorkerdD1.TOKEN).doesNotContain("wrong-secret-token")
                .doesNotContain(Service.SECRET).doesNotContain("314159");
    }

    @Test
    void anR2AuditLocationGetsOneObjectPerEventUnderItsOwnPrefix() throws Exception {
        try (S3ProxyServer s3 = new S3ProxyServer()) {
            s3.createBucket("audit");
            s3.createBucket("data");
            Map<String, String> s = s3.settings(Backups.sqlite(Fixtures.create("edge_values", tmp)));
            s.put("backup.target", "r2:data");
            s.put("audit.location", "r2:audit/camel-d1-backup");
            Backups.run(s, tmp.resolve("unused"));
            List<String> keys = s3.keys("audit");
            assertThat(keys).hasSize(1);
            assertThat(keys.get(0)).matches("camel-d1-backup/\\d{4}/\\d{2}/\\d{2}/\\d+-backup-[0-9a-f]{8}\\.json");
            assertThat(new String(s3.get("audit", keys.get(0)))).contains("\"operation\":\"backup\"");
            assertThat(s3.keys("data")).hasSize(2); // the backup and its manifest, nothing of the audit
        }
    }
}
