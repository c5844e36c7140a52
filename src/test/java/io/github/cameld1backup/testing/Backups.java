package io.github.cameld1backup.testing;

import static org.awaitility.Awaitility.await;

import io.github.cameld1backup.BackupApplication;
import io.github.cameld1backup.model.BackupResult;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.time.temporal.ChronoUnit;
import java.util.HashMap;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Runs real backups through the project's routes, as the command line does. */
public final class Backups {

    private Backups() {
    }

    /** Settings that point a backup at a database behind the emulator. */
    public static Map<String, String> d1(WorkerdD1 d1, String databaseId) {
        Map<String, String> settings = new HashMap<>();
        settings.put("backup.source", "d1");
        settings.put("cloudflare.api.base.url", d1.baseUrl());
        settings.put("cloudflare.account.id", WorkerdD1.ACCOUNT);
        settings.put("cloudflare.api.token", WorkerdD1.TOKEN);
        settings.put("d1.database.id", databaseId);
        return settings;
    }

    public static Map<String, String> sqlite(Path db) {
        Map<String, String> settings = new HashMap<>();
        settings.put("backup.source", "sqlite:" + db);
        return settings;
    }

    /** Small pages, so even small fixtures are read in many pages. */
    public static Map<String, String> smallPages(Map<String, String> settings) {
        settings.put("backup.page.initial.rows", "3");
        settings.put("backup.page.max.rows", "50");
        settings.put("backup.page.target.bytes", "2000");
        return settings;
    }

    public static BackupResult run(Map<String, String> settings, Path target) throws Exception {
        Map<String, String> all = new HashMap<>(settings);
        all.putIfAbsent("backup.target", "file:" + target);
        // The SQL-level tests read the dump as it is; compression and encryption have tests of their own.
        all.putIfAbsent("backup.compression", "none");
        all.putIfAbsent("backup.work.dir", target.resolveSibling(target.getFileName() + "-work").toString());
        try (BackupApplication app = BackupApplication.start(all)) {
            return app.backup();
        }
    }

    /** A backup's time in its name; a second backup of the same second is named NAME_2, NAME_3, ... */
    private static final Pattern NAME_TIME = Pattern.compile("-(\\d{8}T\\d{6}Z)(?:_\\d+)?\\.");

    /**
     * Backup names carry the UTC second they were taken in: waits until the clock is past the second in
     * {@code result}'s name, so the next backup gets another name (no wait when that second is over).
     */
    public static void awaitNextName(BackupResult result) {
        Matcher m = NAME_TIME.matcher(Path.of(result.location()).getFileName().toString());
        if (!m.find()) {
            throw new IllegalArgumentException("no time in the name of " + result.location());
        }
        Instant named = LocalDateTime.parse(m.group(1), DateTimeFormatter.ofPattern("yyyyMMdd'T'HHmmss'Z'"))
                .toInstant(ZoneOffset.UTC);
        await("the clock leaves " + named).atMost(Duration.ofSeconds(5)).pollInterval(Duration.ofMillis(20))
                .until(() -> Instant.now().truncatedTo(ChronoUnit.SECONDS).isAfter(named));
    }
}
