package io.github.cameld1backup.config;

import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * Data minimisation ({@code backup.exclude}): tables whose rows and columns whose values a backup
 * leaves out. The schema is kept whole, so the backup still restores: a left-out table comes back
 * empty, a left-out column gets its default (or NULL). Names compare as SQLite compares
 * identifiers, without regard to case.
 */
public record Exclusions(Set<String> tables, Map<String, Set<String>> columns) {

    public static final Exclusions NONE = new Exclusions(Set.of(), Map.of());

    /** Entries {@code table} or {@code table.column}. */
    public static Exclusions parse(List<String> entries) {
        Set<String> tables = new LinkedHashSet<>();
        Map<String, Set<String>> columns = new LinkedHashMap<>();
        for (String entry : entries) {
            int dot = entry.indexOf('.');
            if (dot < 0) {
                tables.add(key(entry));
            } else if (dot == 0 || dot == entry.length() - 1) {
                throw new IllegalArgumentException("BACKUP_EXCLUDE (backup.exclude) entries are TABLE or TABLE.COLUMN,"
                        + " got '" + entry + "'");
            } else {
                columns.computeIfAbsent(key(entry.substring(0, dot)), t -> new LinkedHashSet<>())
                        .add(key(entry.substring(dot + 1)));
            }
        }
        return new Exclusions(Set.copyOf(tables), Map.copyOf(columns));
    }

    public boolean isEmpty() {
        return tables.isEmpty() && columns.isEmpty();
    }

    /** The form names are compared in (as backup.exclude is parsed). */
    public static String key(String identifier) {
        return identifier.trim().toLowerCase(Locale.ROOT);
    }
}
