package io.github.cameld1backup.model;

import java.util.Map;
import java.util.stream.Collectors;

/**
 * What the erasure ledger did to a restored or verified database: how many of its entries were applied and,
 * per table, the rows removed and the rows kept with columns cleared (set NULL, redacted).
 */
public record ErasuresApplied(int entries, Map<String, Long> rowsRemoved, Map<String, Long> rowsCleared) {

    public long removed() {
        return rowsRemoved.values().stream().mapToLong(Long::longValue).sum();
    }

    public long cleared() {
        return rowsCleared.values().stream().mapToLong(Long::longValue).sum();
    }

    public String summary() {
        String tables = rowsRemoved.isEmpty() && rowsCleared.isEmpty() ? ""
                : " (" + rowsRemoved.entrySet().stream().map(e -> e.getKey() + " -" + e.getValue())
                        .collect(Collectors.joining(", "))
                + (rowsCleared.isEmpty() ? "" : (rowsRemoved.isEmpty() ? "" : "; ") + "cleared: "
                        + rowsCleared.entrySet().stream().map(e -> e.getKey() + " " + e.getValue())
                        .collect(Collectors.joining(", ")))
                + ")";
        return "Erasure ledger applied: " + entries + (entries == 1 ? " entry, " : " entries, ") + removed()
                + " rows removed, " + cleared() + " rows cleared" + tables;
    }
}
