package io.github.cameld1backup;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.cameld1backup.testing.ChildService;
import io.github.cameld1backup.testing.DatabaseSnapshot;
import io.github.cameld1backup.testing.Fixtures;
import io.github.cameld1backup.testing.Service;
import io.github.cameld1backup.testing.Sqlite3Cli;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import java.util.zip.GZIPInputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The launcher as `mvn package` leaves it (target/bin/camel-d1-backup), run as a user runs it: on the JDK the build
 * chose for it (bin/java-home: the newest installed, which may not be the JDK running these tests), with the archive
 * of classes made for that JDK. Everything else in the suite runs on the tests' own JDK.
 */
class LauncherIT {

    private static final Path LAUNCHER = Path.of("target/bin/camel-d1-backup");

    @TempDir
    Path tmp;

    @Test
    void backsUpEveryValueOnTheChosenJdkWithItsArchiveAndNoWarnings() throws Exception {
        Path chosen = Path.of(Files.readString(Path.of("target/bin/java-home")).strip());
        for (String fixture : List.of("edge_values", "schema_zoo")) {
            Path db = Fixtures.create(fixture, Files.createDirectories(tmp.resolve(fixture)));
            Path classes = tmp.resolve(fixture + "-classes.log");
            Path out = tmp.resolve(fixture + "-out");
            Result run = launch(Map.of("JAVA_OPTS", "-XshowSettings:properties -Xlog:class+load=info:file=" + classes),
                    "backup", "--source", "sqlite:" + db, "--target", "file:" + out, "--compression", "gzip",
                    "--no-progress");

            assertThat(run.exit()).as(run.log()).isZero();
            assertThat(run.log()).contains("java.home = " + chosen);
            assertThat(warnings(run.log())).as("what the JVM printed besides the backup's own lines").isEmpty();
            // The archive was used: most classes came from it, not from the jar.
            try (Stream<String> lines = Files.lines(classes)) {
                assertThat(lines.filter(l -> l.contains("source: shared objects file")).count()).isGreaterThan(2000);
            }
            Path dump = tmp.resolve(fixture + ".sql");
            try (Stream<Path> stored = Files.list(out); InputStream in = new GZIPInputStream(Files.newInputStream(
                    stored.filter(p -> p.toString().endsWith(".sql.gz")).findFirst().orElseThrow()))) {
                Files.copy(in, dump);
            }
            Path restored = tmp.resolve(fixture + "-restored.db");
            Sqlite3Cli.load(restored, dump);
            assertThat(DatabaseSnapshot.of(restored)).isEqualTo(DatabaseSnapshot.of(db));
        }
    }

    @Test
    void anotherJdkRunsWithoutTheArchive() throws Exception {
        Path db = Fixtures.create("edge_values", tmp);
        String ownJdk = System.getProperty("java.home");
        Result run = launch(Map.of("CAMEL_D1_BACKUP_JAVA_HOME", ownJdk, "JAVA_OPTS", "-XshowSettings:properties"),
                "backup", "--source", "sqlite:" + db, "--target", "file:" + tmp.resolve("out"), "--no-progress");

        assertThat(run.exit()).as(run.log()).isZero();
        assertThat(run.log()).contains("java.home = " + ownJdk).contains("Backed up edge_values");
        assertThat(warnings(run.log())).isEmpty();
    }

    /** The service on the chosen JDK: /health answers, nothing is warned of, SIGTERM ends it within 10 s. */
    @Test
    void runServesHealthAndEndsOnSigterm() throws Exception {
        int port = ChildService.freePort();
        Path log = tmp.resolve("run.log");
        ProcessBuilder pb = command(Map.of("TOTP_SECRET", Service.SECRET, "CAMEL_SERVER_PORT", String.valueOf(port),
                "CAMEL_SERVER_HOST", "127.0.0.1", "BACKUP_WORK_DIR", tmp.resolve("spool").toString()), "run");
        Process service = pb.redirectOutput(log.toFile()).start();
        try {
            ChildService.awaitHealth(service, port, log, Duration.ofMinutes(2));
        } finally {
            service.destroy();
            assertThat(service.waitFor(10, TimeUnit.SECONDS)).as("ends on SIGTERM").isTrue();
        }
        assertThat(warnings(Files.readString(log))).isEmpty();
    }

    private record Result(int exit, String log) {
    }

    private Result launch(Map<String, String> env, String... args) throws IOException, InterruptedException {
        Path log = Files.createTempFile(tmp, "launch", ".log");
        Process process = command(env, args).redirectOutput(log.toFile()).start();
        if (!process.waitFor(2, TimeUnit.MINUTES)) {
            process.destroyForcibly();
            throw new IllegalStateException("the launcher did not finish: " + Files.readString(log));
        }
        return new Result(process.exitValue(), Files.readString(log));
    }

    /** The launcher in a clean working folder, with none of the developer's JVM settings. */
    private ProcessBuilder command(Map<String, String> env, String... args) throws IOException {
        List<String> command = new ArrayList<>(List.of(LAUNCHER.toAbsolutePath().toString()));
        command.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(command).redirectErrorStream(true)
                .directory(Files.createDirectories(tmp.resolve("cwd")).toFile());
        for (String variable : List.of("JAVA_OPTS", "JAVA_TOOL_OPTIONS", "JDK_JAVA_OPTIONS", "JAVA_HOME",
                "CAMEL_D1_BACKUP_JAVA_HOME", "MALLOC_ARENA_MAX", "MALLOC_TRIM_THRESHOLD_")) {
            pb.environment().remove(variable);
        }
        pb.environment().put("BACKUP_WORK_DIR", tmp.resolve("spool").toString());
        pb.environment().putAll(env);
        return pb;
    }

    /**
     * What the JVM printed of its own: its warnings and errors and its unified-log lines ([0.080s][warning]...), not
     * the product's INFO or DEBUG lines nor -XshowSettings' listing.
     */
    private static List<String> warnings(String log) {
        return log.lines()
                .filter(l -> l.contains("WARNING") || l.matches("^\\[[0-9.]+s\\].*") || l.contains("Error"))
                .filter(l -> !l.matches("^[0-9:.]+ (INFO|DEBUG) .*"))
                .toList();
    }
}
