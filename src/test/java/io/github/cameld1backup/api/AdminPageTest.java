package io.github.cameld1backup.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.github.cameld1backup.testing.NpmPackages;
import io.github.cameld1backup.testing.Backups;
import io.github.cameld1backup.testing.Fixtures;
import io.github.cameld1backup.testing.Service;
import io.github.cameld1backup.testing.Service.Answer;
import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The admin page in headless Chromium: src/test/browser/admin-page.mjs (Playwright, from npm) signs
 * in, reads the list and the last failure, is refused a wrong code, starts a backup (an incremental)
 * with a good one, follows it to the end, sees its kind, downloads it and saves a screenshot to target/admin-page/. Needs node,
 * {@code npm ci} in src/test/browser and Chromium ({@code .ci/run} installs them); without them the
 * test fails under CI and is skipped, saying why, elsewhere.
 */
class AdminPageTest {

    private static final Path BROWSER_TEST = Path.of("src/test/browser");
    private static final Path OUT = Path.of("target/admin-page");
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path tmp;

    @Test
    void theAdminPageListsStartsAndFollowsABackupInChromium() throws Exception {
        Path node = executable("node").orElse(null);
        Path chromium = chromium().orElse(null);
        requireTool(node != null, "node is not on the PATH");
        requireTool(chromium != null, "no Chromium found (set CHROMIUM_PATH, or apt-get install chromium)");
        installLockedPackages();
        requireTool(Files.isDirectory(BROWSER_TEST.resolve("node_modules/playwright-core")),
                "playwright-core is not installed: run `npm ci` in " + BROWSER_TEST);

        Path db = Fixtures.create("schema_zoo", tmp);
        Path backups = tmp.resolve("backups");
        Backups.run(Map.of("backup.source", "sqlite:" + db, "backup.compression", "gzip"), backups);
        JsonNode manifest;
        try (Stream<Path> files = Files.list(backups)) {
            manifest = JSON.readTree(files.filter(p -> p.toString().endsWith(".manifest.json")).findFirst().orElseThrow().toFile());
        }
        Map<String, String> settings = Backups.sqlite(db);
        settings.put("backup.target", "file:" + backups);
        settings.put("backup.work.dir", tmp.resolve("work").toString());
        settings.put("backup.incremental", "true"); // the page's backup: an incremental of the one already there
        try (Service service = new Service(settings)) {
            // A failed run first, for the page's "last failures": the source is away while it runs.
            Path away = tmp.resolve("away.db");
            Files.move(db, away);
            Answer started = service.call("POST", "/api/backup", Map.of("Authorization", "Bearer " + service.freshCode()));
            String failed = service.awaitRun(started.json().path("id").asText()).path("state").asText();
            assertThat(failed).isEqualTo("failed");
            Files.move(away, db);

            Files.createDirectories(OUT);
            Map<String, String> env = new HashMap<>();
            env.put("BASE_URL", service.baseUrl());
            env.put("TOTP_SECRET", Service.SECRET);
            env.put("TOTP_STEP", String.valueOf(Service.STEP_SECONDS));
            env.put("CHROMIUM", chromium.toString());
            env.put("OUT_DIR", OUT.toAbsolutePath().toString());
            env.put("EXPECT_OBJECT", manifest.path("object").asText());
            env.put("EXPECT_TABLES", String.valueOf(manifest.path("tables").size()));
            env.put("EXPECT_ROWS", manifest.path("rows").asText());
            env.put("EXPECT_FAILURE", "SQLite database not found");
            String output = runNode(node, env);
            System.out.println(output);

            // What the browser saved is the new backup, byte for byte.
            try (Stream<Path> files = Files.list(backups)) {
                List<Path> stored = files.filter(p -> p.toString().endsWith(".sql.gz")).sorted().toList();
                assertThat(stored).hasSize(2);
                Path newest = stored.get(1);
                assertThat(output).contains("downloaded " + OUT.toAbsolutePath().resolve(newest.getFileName()));
                assertThat(OUT.resolve(newest.getFileName())).hasSameBinaryContentAs(newest);
            }
            byte[] png = Files.readAllBytes(OUT.resolve("admin-page.png"));
            assertThat(png).startsWith(0x89, 'P', 'N', 'G');
        }
    }


    private String runNode(Path node, Map<String, String> env) throws Exception {
        Path log = tmp.resolve("admin-page.log");
        ProcessBuilder pb = new ProcessBuilder(node.toString(), "admin-page.mjs").directory(BROWSER_TEST.toFile())
                .redirectErrorStream(true).redirectOutput(log.toFile());
        pb.environment().putAll(env);
        Process p = pb.start();
        if (!p.waitFor(3, TimeUnit.MINUTES)) {
            p.destroyForcibly();
            fail("the browser test did not finish in 3 minutes:\n" + Files.readString(log));
        }
        String output = Files.readString(log);
        assertThat(p.exitValue()).as("exit status of admin-page.mjs; its output:\n" + output).isZero();
        return output;
    }

    /**
     * {@code npm ci} in the browser test's folder when its packages are missing and npm is there, so
     * the README's test command needs nothing run before it. Playwright never downloads a browser.
     */
    private static void installLockedPackages() throws Exception {
        if (executable("npm").isEmpty()) {
            return;
        }
        try {
            NpmPackages.install(BROWSER_TEST, "playwright-core");
        } catch (java.io.IOException e) {
            requireTool(false, e.getMessage());
        }
    }

    /** Missing tools fail the build under CI (CI is set) and skip the test, with the reason, elsewhere. */
    private static void requireTool(boolean present, String why) {
        if (present) {
            return;
        }
        if (System.getenv("CI") != null) {
            fail("The admin page's browser test cannot run: " + why + ". .ci/run installs what it needs.");
        }
        Assumptions.abort("Skipped, " + why + " (under CI this fails; .ci/run installs it)");
    }

    private static Optional<Path> chromium() {
        String configured = System.getenv("CHROMIUM_PATH");
        if (configured != null && !configured.isBlank()) {
            return Optional.of(Path.of(configured)).filter(Files::isExecutable);
        }
        return Stream.of("/usr/bin/chromium", "/usr/bin/google-chrome", "/usr/bin/google-chrome-stable").map(Path::of)
                .filter(Files::isExecutable).findFirst();
    }

    private static Optional<Path> executable(String name) {
        return Stream.of(System.getenv().getOrDefault("PATH", "").split(File.pathSeparator)).filter(d -> !d.isEmpty())
                .map(d -> Path.of(d, name)).filter(Files::isExecutable).findFirst();
    }
}
