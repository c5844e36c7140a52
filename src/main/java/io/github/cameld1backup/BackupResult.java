package io.github.cameld1backup;

import java.time.Duration;

/** What a finished backup reports: where it went and what it holds. */
public record BackupResult(String runId, String database, String location, int tables, long rows, long bytes,
                           long requests, Duration duration) {

    public String summary() {
        return String.format("Backed up %s: %d tables, %d rows, %s in %d requests, %.1f s -> %s",
                database, tables, rows, humanBytes(bytes), requests, duration.toMillis() / 1000.0, location);
    }

    static String humanBytes(long bytes) {
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
