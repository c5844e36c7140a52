package io.github.cameld1backup.schema;

import io.github.cameld1backup.config.Exclusions;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/** Applies the tables and columns backup.exclude leaves out ({@link Exclusions}) to a discovered schema. */
public final class SchemaExclusions {

    private SchemaExclusions() {
    }

    /**
     * The schema with the exclusions applied. A name that is not in the database, or a column that
     * cannot be left out without breaking the restore (part of the primary key, or NOT NULL without
     * a default), is an error: a backup that silently kept the data, or did not restore, is worse.
     */
    public static Schema apply(Exclusions exclusions, Schema schema) {
        if (exclusions.isEmpty()) {
            return schema;
        }
        Set<String> tables = exclusions.tables();
        Map<String, Set<String>> columns = exclusions.columns();
        Map<String, Table> byName = new LinkedHashMap<>();
        schema.tables().forEach(t -> byName.put(Exclusions.key(t.name()), t));
        List<String> unknown = new ArrayList<>();
        tables.stream().filter(t -> !byName.containsKey(t)).forEach(unknown::add);
        columns.keySet().stream().filter(t -> !byName.containsKey(t)).forEach(unknown::add);
        if (!unknown.isEmpty()) {
            throw new IllegalArgumentException("BACKUP_EXCLUDE (backup.exclude) names tables this database does not have: "
                    + String.join(", ", unknown));
        }
        List<Table> out = new ArrayList<>();
        for (Table table : schema.tables()) {
            String name = Exclusions.key(table.name());
            Set<String> cols = columns.getOrDefault(name, Set.of());
            out.add(tables.contains(name) ? table.withDataExcluded() : cols.isEmpty() ? table : withoutColumns(table, cols));
        }
        return new Schema(out, schema.indexes(), schema.views(), schema.triggers(), schema.sequences());
    }

    private static Table withoutColumns(Table table, Set<String> excluded) {
        List<Column> columns = new ArrayList<>();
        Set<String> found = new LinkedHashSet<>();
        for (Column c : table.columns()) {
            if (!excluded.contains(Exclusions.key(c.name()))) {
                columns.add(c);
                continue;
            }
            found.add(Exclusions.key(c.name()));
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
}
