package io.github.cameld1backup.config;

/**
 * How many rows to ask for per page: aims at {@code targetBytes} of selected literals per answer,
 * between 1 and {@code maxRows} rows, starting from {@code initialRows} before any row is seen.
 */
public record PageSizing(int initialRows, int maxRows, long targetBytes) {

    public PageSizing {
        if (initialRows < 1 || maxRows < initialRows || targetBytes < 1) {
            throw new IllegalArgumentException("page sizing needs 1 <= initialRows <= maxRows and targetBytes > 0");
        }
    }

    /** The row limit for a page D1 found too large at {@code rows}: half of it, at least 1. */
    public int halved(int rows) {
        return Math.max(1, rows / 2);
    }

    public int nextLimit(double bytesPerRow) {
        long rows = (long) (targetBytes / Math.max(1.0, bytesPerRow));
        return (int) Math.max(1, Math.min(maxRows, rows));
    }
}
