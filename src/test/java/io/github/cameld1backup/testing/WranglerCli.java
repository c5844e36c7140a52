package io.github.cameld1backup.testing;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * Cloudflare's own CLI, {@code wrangler d1 execute --local --file}, as a user loads a dump into a
 * local D1 (workerd's engine, from the same npm lock as the tests' D1). wrangler cuts the file into
 * statements with its own splitter and runs them in batches.
 */
public final class WranglerCli {

    private WranglerCli() {
    }

    /** Loads {@code dump} into a new local D1 database kept under {@code work}; answers that database's SQLite file. */
    public static Path load(Path dump, Path work) throws IOException, InterruptedException {
        Files.createDirectories(work);
        Files.writeString(work.resolve("wrangler.toml"), """
                name = "restore-check"
                compatibility_date = "2025-01-01"

                [[d1_databases]]
                binding = "DB"
                database_name = "restore-check"
                database_id = "00000000-0000-4000-8000-000000000000"
                """);
        Path wrangler = WorkerdD1.nodeFolder().resolve("node_modules/wrangler/bin/wrangler.js");
        Path state = work.resolve("state");
        Path log = work.resolve("wrangler.log");
        ProcessBuilder pb = new ProcessBuilder("node", wrangler.toString(), "d1", "execute", "restore-check", "--local",
                "--file", dump.toAbsolutePath().toString(), "--yes", "--persist-to", state.toString())
                .directory(work.toFile()).redirectErrorStream(true).redirectOutput(log.toFile());
        pb.environment().put("WRANGLER_SEND_METRICS", "false");
        pb.environment().put("CLOUDFLARE_API_TOKEN", ""); // local only: nothing may reach Cloudflare
        Process p = pb.start();
        if (!p.waitFor(5, TimeUnit.MINUTES)) {
            p.destroyForcibly();
            throw new IllegalStateException("wrangler did not finish loading " + dump);
        }
        String output = Files.readString(log, StandardCharsets.UTF_8);
        if (p.exitValue() != 0) {
            throw new IllegalStateException("wrangler refused " + dump + " (exit " + p.exitValue() + "): " + output);
        }
        try (Stream<Path> files = Files.walk(state)) {
            List<Path> databases = files.filter(f -> f.toString().endsWith(".sqlite") && f.toString().contains("D1")
                    && !f.getFileName().toString().equals("metadata.sqlite")).toList(); // the object store's own
            if (databases.size() != 1) {
                throw new IllegalStateException("expected one local D1 database under " + state + ", found " + databases);
            }
            return databases.get(0);
        }
    }
}
