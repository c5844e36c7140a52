package io.github.cameld1backup.config;

import io.github.cameld1backup.schema.Column;
import io.github.cameld1backup.schema.Schema;
import io.github.cameld1backup.schema.Table;
import java.util.ArrayList;
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

    /**
     * The schema with the exclusions applied. A name that is not in the database, or a column that
     * cannot be left out without breaking the restore (part of the primary key, or NOT NULL without
     * a default), is an error: a backup that silently kept the data, or did not restore, is worse.
     */
    public Schema apply(Schema schema) {
        if (isEmpty()) {
            return schema;
        }
        Map<String, Table> byName = new LinkedHashMap<>();
        schema.tables().forEach(t -> byName.put(key(t.name()), t));
        List<String> unknown = new ArrayList<>();
        tables.stream().filter(t -> !byName.containsKey(t)).forEach(unknown::add);
        columns.keySet().stream().filter(t -> !byName.containsKey(t)).forEach(unknown::add);
        if (!unknown.isEmpty()) {
            throw new IllegalArgumentException("BACKUP_EXCLUDE (backup.exclude) names tables this database does not have: "
                    + String.join(", ", unknown));
        }
        List<Table> out = new ArrayList<>();
        for (Table table : schema.tables()) {
            String name = key(table.name());
            Set<String> cols = columns.getOrDefault(name, Set.of());
            out.add(tables.contains(name) ? table.withDataExcluded() : cols.isEmpty() ? table : withoutColumns(table, cols));
        }
        return new Schema(out, schema.indexes(), schema.views(), schema.triggers(), schema.sequences());
    }

    private static Table withoutColumns(Table table, Set<String> excluded) {
        List<Column> columns = new ArrayList<>();
        Set<String> found = new LinkedHashSet<>();
        for (Column c : table.columns()) {
            if (!excluded.contains(key(c.name()))) {
                columns.add(c);
                continue;
            }
            found.add(key(c.name()));
            String what = table.name() + "." + c.name();
            if (c.primaryKeyPosition() > 0) {
                throw new IllegalArgumentException("BACKUP_EXCLUDE (backup.exclude): " + what
                        + " is part of the primary key, so it cannot be left out");
            }
            if (c.notNull() && !c.hasDefault()) {
                throw new IllegalArgumentException("BACKUP_EXCLUDE (backup.exclude): " + what
                        + " is NOT NULL without a default, so a backup without it would not restore");
            }
            columns.add(c.excluded());
        }
        List<String> missing = excluded.stream().filter(c -> !found.contains(c)).toList();
        if (!missing.isEmpty()) {
            throw new IllegalArgumentException("BACKUP_EXCLUDE (backup.exclude): table " + table.name()
                    + " has no column " + String.join(", ", missing));
        }
        return new Table(table.object(), columns, table.withoutRowid(), table.primaryKey(), table.rowidAlias(),
                table.parents(), table.dataExcluded(), table.rowidSpan());
    }

    private static String key(String identifier) {
        return identifier.trim().toLowerCase(Locale.ROOT);
    }
}
