package io.github.cameld1backup.cli;

import io.github.cameld1backup.observe.BackupProgress;
import io.github.cameld1backup.observe.Progress;
import java.io.Console;
import java.io.PrintStream;
import java.util.Locale;
import java.util.function.Consumer;
import java.util.function.LongSupplier;
import org.apache.camel.CamelContext;
import org.apache.logging.log4j.Level;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.core.config.Configurator;

/**
 * The backup command's progress bar on standard error, redrawn in place (at most every 200 ms). Shown
 * only on a terminal, so logs captured by CI stay clean; while it shows, it stands in for the
 * progress log lines.
 */
public final class ProgressBar implements Consumer<Progress> {

    static final int WIDTH = 24;
    private static final long REDRAW_MILLIS = 200;

    private final PrintStream out;
    private final LongSupplier millis;
    private long lastDraw = Long.MIN_VALUE;
    private int lastLength;
    private boolean drawn;

    ProgressBar(PrintStream out, LongSupplier millis) {
        this.out = out;
        this.millis = millis;
    }

    /** "[#########---------------]  38%  table 3/12  48210 rows  5200 rows/s  1.5 MB/s  ETA 1m20s" */
    static String render(Progress p, int width) {
        // Without a row estimate, the bar shows the tables done and no percentage.
        double done = p.fraction().orElse(((p.tableDone() ? p.tableNumber() : p.tableNumber() - 1)
                / (double) Math.max(1, p.tables())));
        int filled = (int) Math.round(Math.min(1.0, Math.max(0.0, done)) * width);
        StringBuilder s = new StringBuilder("[").append("#".repeat(filled)).append("-".repeat(width - filled)).append("]");
        if (p.fraction().isPresent()) {
            s.append(String.format(Locale.ROOT, " %3d%%", (int) Math.floor(done * 100)));
        }
        s.append(String.format(Locale.ROOT, "  table %d/%d  %d rows  %.0f rows/s  %.1f MB/s  %s", p.tableNumber(),
                p.tables(), p.rows(), p.rowsPerSecond(), p.megabytesPerSecond(),
                p.eta().map(d -> "ETA " + Progress.human(d)).orElse("ETA unknown")));
        return s.toString();
    }

    @Override
    public synchronized void accept(Progress p) {
        boolean last = p.tableDone() && p.tableNumber() >= p.tables();
        long now = millis.getAsLong();
        if (!last && lastDraw != Long.MIN_VALUE && now - lastDraw < REDRAW_MILLIS) {
            return;
        }
        lastDraw = now;
        String line = render(p, WIDTH);
        // Pad over the longer line drawn before; \r returns to the start of the line.
        out.print("\r" + line + " ".repeat(Math.max(0, lastLength - line.length())));
        lastLength = line.length();
        drawn = true;
        if (last) {
            finish(); // the dump is done: what is logged next (storing) starts on a line of its own
        }
        out.flush();
    }

    /** Ends the bar's line, so what follows starts on its own. */
    synchronized void finish() {
        if (drawn) {
            out.println();
            out.flush();
            drawn = false;
        }
    }

    /** Shows a bar for the running application's backups while the handle is open; nothing off a terminal. */
    public static AutoCloseable attach(CamelContext context, boolean wanted) throws Exception {
        if (!wanted || !onTerminal()) {
            return () -> { };
        }
        BackupProgress progress = context.getRegistry().lookupByNameAndType(BackupProgress.BEAN, BackupProgress.class);
        ProgressBar bar = new ProgressBar(System.err, System::currentTimeMillis);
        String logger = BackupProgress.class.getName();
        Level level = LogManager.getLogger(logger).getLevel();
        Configurator.setLevel(logger, Level.WARN); // the bar says the same; log lines would break it up
        AutoCloseable listening = progress.listen(bar);
        return () -> {
            listening.close();
            bar.finish();
            Configurator.setLevel(logger, level);
        };
    }

    /** A console (stdin and stdout on a terminal); on Java 22+ also Console.isTerminal(). */
    static boolean onTerminal() {
        Console console = System.console();
        if (console == null) {
            return false;
        }
        try {
            return (Boolean) Console.class.getMethod("isTerminal").invoke(console);
        } catch (ReflectiveOperationException e) {
            return true; // Java 17-21: a console is a terminal
        }
    }
}
