package io.github.cameld1backup.service;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.cameld1backup.config.BackupSettings;
import io.github.cameld1backup.model.Manifest;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import org.junit.jupiter.api.Test;

/** When a run may skip: the rules of {@link UnchangedCheck#reasonToBackUp}, one by one. */
class UnchangedCheckTest {

    private static final Instant NOW = Instant.parse("2026-12-04T12:00:00Z");
    private static final String AGE = "age1ql3z7hjy54pw3hyww5ayyfg7zqgvc7w3j2elw8zmrj2kg5sfn9aqmcac8p";

    private static BackupSettings settings(String... keyValues) {
        Properties defaults = BackupSettings.defaults();
        Map<String, String> own = new HashMap<>();
        own.put("backup.target", "file:/tmp/unchanged-check");
        for (int i = 0; i < keyValues.length; i += 2) {
            own.put(keyValues[i], keyValues[i + 1]);
        }
        return BackupSettings.resolve(key -> Optional.ofNullable(own.getOrDefault(key, defaults.getProperty(key))));
    }

    private static Manifest backup(String name, String version, String kind, Boolean exact, String compression,
                                   Manifest.Encryption encryption, Duration age) {
        return new Manifest(1, name, "camel-d1-backup", "dev", "run", new Manifest.Database("d1", "id", "db"),
                NOW.minus(age).toString(), NOW.minus(age).toString(), Map.of(), 0, "hash", 0, 0, "sha", compression,
                encryption, null, "paged", null, exact, null, kind, null, version, null, null, null, null);
    }

    private static Manifest plain(String name, String version) {
        return backup(name, version, Manifest.FULL, null, "gzip", new Manifest.Encryption("none", null), Duration.ofHours(1));
    }

    @Test
    void theSameVersionInTheSameFormatSkips() {
        assertThat(UnchangedCheck.reasonToBackUp(List.of(plain("b", "v1"), plain("a", "v0")), "v1", settings(), NOW))
                .isEmpty();
    }

    @Test
    void eachRuleHasItsReason() {
        BackupSettings settings = settings();
        assertThat(UnchangedCheck.reasonToBackUp(List.of(), "v1", settings, NOW)).get().asString().contains("no backup");
        assertThat(UnchangedCheck.reasonToBackUp(List.of(plain("b", "v0")), "v1", settings, NOW)).get().asString()
                .contains("the source changed since b");
        assertThat(UnchangedCheck.reasonToBackUp(List.of(plain("b", null)), "v1", settings, NOW)).get().asString()
                .contains("recorded no source version");
        assertThat(UnchangedCheck.reasonToBackUp(List.of(backup("b", "v1", null, false, "gzip",
                new Manifest.Encryption("none", null), Duration.ofHours(1))), "v1", settings, NOW)).get().asString()
                .contains("not an exact copy");
        assertThat(UnchangedCheck.reasonToBackUp(List.of(plain("b", "v1")), "v1", settings("backup.compression", "none"),
                NOW)).get().asString().contains("compression or encryption");
        assertThat(UnchangedCheck.reasonToBackUp(List.of(plain("b", "v1")), "v1", settings("backup.verify", "true"),
                NOW)).get().asString().contains("was not verified");
    }

    @Test
    void ageBackupsSkipOnlyForTheSameRecipients() {
        Manifest toAge = backup("b", "v1", null, null, "gzip", new Manifest.Encryption("age", List.of(AGE)),
                Duration.ofHours(1));
        assertThat(UnchangedCheck.reasonToBackUp(List.of(toAge), "v1", settings("backup.encryption", "age",
                "age.recipients", AGE), NOW)).isEmpty();
        Manifest toOther = backup("b", "v1", null, null, "gzip", new Manifest.Encryption("age", List.of()),
                Duration.ofHours(1));
        assertThat(UnchangedCheck.reasonToBackUp(List.of(toOther), "v1", settings("backup.encryption", "age",
                "age.recipients", AGE), NOW)).get().asString().contains("compression or encryption");
    }

    @Test
    void fullEveryCountsFromTheNewestFullBackupNotFromIncrementals() {
        Manifest incremental = backup("c", "v1", Manifest.INCREMENTAL, null, "gzip",
                new Manifest.Encryption("none", null), Duration.ofHours(1));
        Manifest oldFull = backup("a", "v0", Manifest.FULL, null, "gzip", new Manifest.Encryption("none", null),
                Duration.ofDays(8));
        assertThat(UnchangedCheck.reasonToBackUp(List.of(incremental, oldFull), "v1", settings(), NOW)).isEmpty();
        assertThat(UnchangedCheck.reasonToBackUp(List.of(incremental, oldFull), "v1",
                settings("backup.full.every", "P7D"), NOW)).get().asString().contains("older than backup.full.every");
        assertThat(UnchangedCheck.reasonToBackUp(List.of(incremental, oldFull), "v1",
                settings("backup.full.every", "P9D"), NOW)).isEmpty();
        assertThat(UnchangedCheck.reasonToBackUp(List.of(incremental), "v1", settings("backup.full.every", "P9D"), NOW))
                .get().asString().contains("no full backup");
    }
}
