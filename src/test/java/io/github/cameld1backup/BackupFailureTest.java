package io.github.cameld1backup;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.github.cameld1backup.testing.Backups;
import io.github.cameld1backup.testing.WorkerdD1;
import io.github.cameld1backup.testing.Fixtures;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/** Bad settings and refused requests end with a message that says what is wrong, and leave nothing behind. */
class BackupFailureTest {

    @RegisterExtension
    static final WorkerdD1 d1 = WorkerdD1.perClass();

    @TempDir
    Path tmp;


    @Test
    void wrongTokenFailsWithD1sMessageAndLeavesNoBackupOrSpool() throws Exception {
        String id = d1.addDatabase("shop", Fixtures.create("schema_zoo", tmp));
        Map<String, String> settings = Backups.d1(d1, id);
        settings.put("cloudflare.api.token", "not-the-token");
        Path target = tmp.resolve("backups");
        Path work = tmp.resolve("work");
        settings.put("backup.work.dir", work.toString());

        assertThatThrownBy(() -> Backups.run(settings, target))
                .hasMessageContaining("Authentication error").hasMessageContaining("10000");
        assertThat(listing(target)).isEmpty();
        assertThat(listing(work)).isEmpty();
    }

    @Test
    void unknownDatabaseNamesTheDatabase() throws Exception {
        Map<String, String> settings = Backups.d1(d1, "00000000-0000-4000-8000-000000000000");
        assertThatThrownBy(() -> Backups.run(settings, tmp.resolve("backups")))
                .hasMessageContaining("7404").hasMessageContaining("00000000-0000-4000-8000-000000000000");
        assertThat(listing(tmp.resolve("backups"))).isEmpty();
    }

    @Test
    void missingD1SettingStopsStartUpNamingIt() {
        Map<String, String> settings = Backups.d1(d1, "00000000-0000-4000-8000-000000000000");
        settings.put("d1.database.id", "");
        assertThatThrownBy(() -> Backups.run(settings, tmp.resolve("backups")))
                .satisfies(e -> assertThat(root(e)).hasMessage("D1_DATABASE_ID (d1.database.id) is not set: it must be"
                        + " a D1 database UUID (wrangler d1 list shows it)"));
    }

    @Test
    void malformedSettingsAreNamedWithoutEchoingSecrets() {
        Map<String, String> settings = Backups.d1(d1, "00000000-0000-4000-8000-000000000000");
        settings.put("cloudflare.account.id", "my-secret-token-pasted-here");
        assertThat(failure(settings)).hasMessageContaining("CLOUDFLARE_ACCOUNT_ID (cloudflare.account.id) is malformed")
                .hasMessageNotContaining("my-secret-token-pasted-here");

        Map<String, String> badUrl = Backups.d1(d1, "00000000-0000-4000-8000-000000000000");
        badUrl.put("cloudflare.api.base.url", "ftp://example");
        assertThat(failure(badUrl))
                .hasMessageContaining("CLOUDFLARE_API_BASE_URL (cloudflare.api.base.url) must be an http(s) URL");
    }

    @Test
    void badSourceAndTargetAreNamed() {
        assertThat(failure(Map.of("backup.source", "postgres://x")))
                .hasMessageContaining("backup.source (BACKUP_SOURCE, --source) must be 'd1' or 'sqlite:PATH'");
        assertThat(failure(Map.of("backup.source", "sqlite:" + tmp.resolve("nope.db"))))
                .hasMessageContaining("SQLite database not found");
        assertThat(failure(Map.of("backup.target", "s3://bucket"))).hasMessageContaining("backup.target");
        assertThat(failure(Map.of("backup.target", "r2:bucket", "r2.access.key.id", "k", "r2.secret.access.key", "s",
                "r2.endpoint", "http://127.0.0.1:9", "backup.upload.part.size", "1048576")))
                .hasMessageContaining("BACKUP_UPLOAD_PART_SIZE (backup.upload.part.size) must be at least 5242880");
        assertThat(failure(Map.of("backup.compression.level", "10")))
                .hasMessageContaining("BACKUP_COMPRESSION_LEVEL (backup.compression.level) must be 1 to 9, got 10");
    }

    /** The innermost cause of the failed backup: the message the command line prints. */
    private Throwable failure(Map<String, String> settings) {
        Throwable e = org.assertj.core.api.Assertions.catchThrowable(() -> Backups.run(settings, tmp.resolve("b")));
        assertThat(e).isNotNull();
        return root(e);
    }

    private static Throwable root(Throwable e) {
        Throwable t = e;
        while (t.getCause() != null) {
            t = t.getCause();
        }
        return t;
    }

    private static java.util.List<Path> listing(Path dir) throws Exception {
        if (!Files.exists(dir)) {
            return java.util.List.of();
        }
        try (Stream<Path> files = Files.list(dir)) {
            return files.toList();
        }
    }
}
