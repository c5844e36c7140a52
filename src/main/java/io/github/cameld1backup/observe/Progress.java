package io.github.cameld1backup.observe;

import java.time.Duration;
import java.util.Locale;
import java.util.Optional;
import java.util.OptionalDouble;

/**
 * Where a backup stands: the table being dumped (numbered from 1), rows and SQL bytes so far, and,
 * when the rows still to read could be estimated, how far along it is and when it should end.
 *
 * @param remainingRows estimated rows still to read, or -1 when unknown
 */
public record Progress(String runId, String database, String table, int tableNumber, int tables, boolean tableDone,
                       long rows, long sqlBytes, Duration elapsed, long remainingRows) {

    /** The same progress with the table's number as counted when it finished. */
    Progress numbered(int number) {
        return new Progress(runId, database, table, number, tables, tableDone, rows, sqlBytes, elapsed, remainingRows);
    }

    public double rowsPerSecond() {
        return rows / seconds();
    }

    public double megabytesPerSecond() {
        return sqlBytes / 1e6 / seconds();
    }

    private double seconds() {
        return Math.max(0.001, elapsed.toMillis() / 1000.0);
    }

    /** The share of the rows read, when the total could be estimated. */
    public OptionalDouble fraction() {
        if (remainingRows < 0) {
            return OptionalDouble.empty();
        }
        return OptionalDouble.of(rows + remainingRows == 0 ? 1.0 : rows / (double) (rows + remainingRows));
    }

    /** Rows still to read at the speed so far; empty without an estimate or before any row was read. */
    public Optional<Duration> eta() {
        if (remainingRows < 0 || rows == 0) {
            return Optional.empty();
        }
        return Optional.of(Duration.ofMillis((long) (remainingRows / rowsPerSecond() * 1000)));
    }

    /** "table 3 of 12 (orders), 48210 of ~96000 rows, 5200 rows/s, 1.5 MB/s, ETA 9s" */
    public String describe() {
        return String.format(Locale.ROOT, "table %d of %d (%s), %s", tableNumber, tables, table, rates());
    }

    /** "48210 of ~96000 rows, 5200 rows/s, 1.5 MB/s, ETA 9s": the whole run so far. */
    public String rates() {
        String total = remainingRows < 0 ? "" : " of ~" + (rows + remainingRows);
        return String.format(Locale.ROOT, "%d%s rows, %.0f rows/s, %.1f MB/s, %s", rows, total, rowsPerSecond(),
                megabytesPerSecond(), eta().map(d -> "ETA " + human(d)).orElse("ETA unknown"));
    }

    /** 45s, 1m20s, 2h05m. */
    public static String human(Duration d) {
        long s = Math.max(0, d.toSeconds());
        if (s < 60) {
            return s + "s";
        }
        if (s < 3600) {
            return String.format(Locale.ROOT, "%dm%02ds", s / 60, s % 60);
        }
        return String.format(Locale.ROOT, "%dh%02dm", s / 3600, s % 3600 / 60);
    }
}
