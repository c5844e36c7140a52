package io.github.cameld1backup.model;

import java.time.Duration;
import java.util.List;

/**
 * What a finished backup reports: where it went and what it holds. A run that found its source unchanged
 * (backup.skip.unchanged) wrote nothing: {@code unchangedSince} names the backup that already holds the
 * source as it is, and {@code locations} is where that backup is.
 */
public record BackupResult(String runId, String database, List<String> locations, int tables, long rows,
                           long sqlBytes, long storedBytes, long requests, Duration duration, String unchangedSince) {

    public BackupResult(String runId, String database, List<String> locations, int tables, long rows,
                        long sqlBytes, long storedBytes, long requests, Duration duration) {
        this(runId, database, locations, tables, rows, sqlBytes, storedBytes, requests, duration, null);
    }

    /** A run that wrote nothing: the source is what backup {@code since} (at {@code location}) holds. */
    public static BackupResult unchanged(String runId, String database, String since, String location, long requests,
                                         Duration duration) {
        return new BackupResult(runId, database, List.of(location), 0, 0, 0, 0, requests, duration, since);
    }

    /** Whether the run found its source unchanged and wrote nothing. */
    public boolean unchanged() {
        return unchangedSince != null;
    }

    /** Where the first copy went. */
    public String location() {
        return locations.get(0);
    }

    public String summary() {
        if (unchanged()) {
            return "unchanged since " + unchangedSince;
        }
        double seconds = Math.max(0.001, duration.toMillis() / 1000.0);
        return String.format("Backed up %s: %d tables, %d rows, %s of SQL (%s stored) in %d requests, %.1f s (%.1f MB/s)"
                        + " -> %s", database, tables, rows, humanBytes(sqlBytes), humanBytes(storedBytes), requests,
                seconds, sqlBytes / 1e6 / seconds, String.join(", ", locations));
    }

    public static String humanBytes(long bytes) {
        if (bytes < 1024) {
            return bytes + " B";
        }
        String[] units = {"KiB", "MiB", "GiB", "TiB"};
        double v = bytes;
        int u = -1;
        while (v >= 1024 && u < units.length - 1) {
            v /= 1024;
            u++;
        }
        return String.format("%.1f %s", v, units[u]);
    }
}
