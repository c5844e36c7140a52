package io.github.cameld1backup.model;

import java.time.Duration;
import java.util.List;

/** What a finished backup reports: where it went and what it holds. */
public record BackupResult(String runId, String database, List<String> locations, int tables, long rows,
                           long sqlBytes, long storedBytes, long requests, Duration duration) {

    /** Where the first copy went. */
    public String location() {
        return locations.get(0);
    }

    public String summary() {
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
