package io.github.cameld1backup.testing;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

/** The stock sqlite3 command-line shell, as a user restoring a dump would run it. */
public final class Sqlite3Cli {

    private Sqlite3Cli() {
    }

    /** {@code sqlite3 -bail DB < dump}: fails on the first statement SQLite refuses. */
    public static void load(Path db, Path dump) throws IOException, InterruptedException {
        Process p = new ProcessBuilder("sqlite3", "-bail", db.toString())
                .redirectInput(dump.toFile())
                .redirectErrorStream(true)
                .start();
        String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!p.waitFor(5, TimeUnit.MINUTES)) {
            p.destroyForcibly();
            throw new IllegalStateException("sqlite3 did not finish loading " + dump);
        }
        if (p.exitValue() != 0 || !output.isBlank()) {
            throw new IllegalStateException("sqlite3 refused " + dump + " (exit " + p.exitValue() + "): " + output);
        }
    }

    /** {@code sqlite3 DB .dump}: everything in the file as SQL text, shadow tables of virtual tables included. */
    public static String dump(Path db) throws IOException, InterruptedException {
        Process p = new ProcessBuilder("sqlite3", db.toString(), ".dump")
                .redirectErrorStream(true)
                .start();
        String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!p.waitFor(5, TimeUnit.MINUTES)) {
            p.destroyForcibly();
            throw new IllegalStateException("sqlite3 did not finish dumping " + db);
        }
        if (p.exitValue() != 0) {
            throw new IllegalStateException("sqlite3 could not dump " + db + " (exit " + p.exitValue() + "): " + output);
        }
        return output;
    }
}
