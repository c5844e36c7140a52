package io.github.cameld1backup;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.cameld1backup.testing.WorkerdD1;
import io.github.cameld1backup.testing.DatabaseSnapshot;
import io.github.cameld1backup.testing.Fixtures;
import io.github.cameld1backup.testing.Sqlite3Cli;
import java.io.File;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

class CommandLineTest {

    @TempDir
    Path tmp;

    record Run(int exit, String out, String err) {
    }

    private static Run cli(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        CommandLine cli = BackupCli.commandLine();
        cli.setOut(new PrintWriter(out, true));
        cli.setErr(new PrintWriter(err, true));
        int exit = cli.execute(args);
        return new Run(exit, out.toString(), err.toString());
    }

    @Test
    void backupPrintsWhereTheBackupWentAndNeverOverwrites() throws Exception {
        Path db = Fixtures.create("schema_zoo", tmp);
        Path target = tmp.resolve("out");
        Run first = cli("backup", "--source", "sqlite:" + db, "--target", "file:" + target);
        Run second = cli("backup", "--source", "sqlite:" + db, "--target", "file:" + target);
        assertThat(first.err()).isEmpty();

        assertThat(first.exit()).isZero();
        assertThat(second.exit()).isZero();
        try (Stream<Path> files = Files.list(target).filter(p -> !p.toString().endsWith(".json"))) {
            List<Path> backups = files.sorted().toList();
            assertThat(backups).hasSize(2);
            assertThat(first.out()).contains(backups.get(0).toString()).contains("18 tables");
            assertThat(second.out()).contains(backups.get(1).toString());
        }
    }

    @Test
    void failureIsOneClearLineAndExitOne() {
        Run run = cli("backup", "--source", "sqlite:" + tmp.resolve("missing.db"));
        assertThat(run.exit()).isEqualTo(1);
        assertThat(run.err().strip()).startsWith("camel-d1-backup: SQLite database not found: ").doesNotContain("\n");
    }

    @Test
    void unknownOptionIsAUsageError() {
        Run run = cli("backup", "--sauce", "d1");
        assertThat(run.exit()).isEqualTo(2);
        assertThat(run.err()).contains("Unknown options: '--sauce'");
    }

    /** The environment names wrangler users know drive a D1 backup, in a separate JVM as users run it. */
    @Test
    void environmentVariablesConfigureAD1Backup() throws Exception {
        try (WorkerdD1 d1 = new WorkerdD1()) {
            Path source = Fixtures.create("edge_values", tmp);
            String id = d1.addDatabase("prod-db", source);
            Path work = Files.createDirectories(tmp.resolve("run"));
            ProcessBuilder pb = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                    "-cp", System.getProperty("java.class.path"), BackupCli.class.getName(), "backup")
                    .directory(work.toFile())
                    .redirectErrorStream(false);
            Map<String, String> env = pb.environment();
            env.put("CLOUDFLARE_ACCOUNT_ID", WorkerdD1.ACCOUNT);
            env.put("CLOUDFLARE_API_TOKEN", WorkerdD1.TOKEN);
            env.put("D1_DATABASE_ID", id);
            env.put("CLOUDFLARE_API_BASE_URL", d1.baseUrl());
            Process p = pb.start();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            String err = new String(p.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
            assertThat(p.waitFor(2, TimeUnit.MINUTES)).isTrue();
            assertThat(p.exitValue()).as(err).isZero();
            assertThat(err).doesNotContain(WorkerdD1.TOKEN);

            File[] backups = work.resolve("backups").toFile().listFiles((dir, name) -> !name.endsWith(".json"));
            assertThat(backups).hasSize(1);
            // gzip is on by default
            assertThat(backups[0].getName()).matches("prod-db-\\d{8}T\\d{6}Z\\.sql\\.gz");
            assertThat(work.resolve("backups").resolve(backups[0].getName() + ".manifest.json")).exists();
            assertThat(out).contains(backups[0].getPath());
            Path sql = tmp.resolve("dump.sql");
            try (var in = new java.util.zip.GZIPInputStream(Files.newInputStream(backups[0].toPath()))) {
                Files.copy(in, sql);
            }
            Path restored = tmp.resolve("restored.db");
            Sqlite3Cli.load(restored, sql);
            assertThat(DatabaseSnapshot.of(restored)).isEqualTo(DatabaseSnapshot.of(source));
        }
    }
}
