package io.github.cameld1backup.testing;

import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;

/**
 * The npm packages of a test's node folder, installed exactly as locked ({@code npm ci}) when they
 * are missing, so the README's test command needs nothing run before it.
 */
public final class NpmPackages {

    private NpmPackages() {
    }

    /** Runs {@code npm ci} in {@code dir} unless {@code node_modules/<probe>} is there; fails with npm's log path otherwise. */
    public static synchronized void install(Path dir, String probe) throws IOException {
        if (Files.isDirectory(dir.resolve("node_modules").resolve(probe))) {
            return;
        }
        Path npm = Stream.of(System.getenv().getOrDefault("PATH", "").split(File.pathSeparator)).filter(d -> !d.isEmpty())
                .map(d -> Path.of(d, "npm")).filter(Files::isExecutable).findFirst()
                .orElseThrow(() -> new IOException("npm is not installed: it is needed for " + dir));
        Path log = Files.createDirectories(Path.of("target")).resolve("npm-ci-" + dir.getFileName() + ".log");
        ProcessBuilder install = new ProcessBuilder(npm.toString(), "ci", "--no-audit", "--no-fund")
                .directory(dir.toFile()).redirectErrorStream(true).redirectOutput(log.toFile());
        install.environment().put("PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD", "1"); // a browser test uses Debian's Chromium
        try {
            int exit = install.start().waitFor();
            if (exit != 0) {
                throw new IOException("npm ci failed in " + dir + " (exit " + exit + ", see " + log + ")");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while installing npm packages in " + dir, e);
        }
    }
}
