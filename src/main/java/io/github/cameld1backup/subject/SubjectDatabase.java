package io.github.cameld1backup.subject;

import io.github.cameld1backup.schema.Column;
import io.github.cameld1backup.schema.KeyPart;
import io.github.cameld1backup.schema.Schema;
import io.github.cameld1backup.schema.SchemaDiscovery;
import io.github.cameld1backup.schema.Table;
import io.github.cameld1backup.source.QueryResult;
import io.github.cameld1backup.source.SqlBatch;
import io.github.cameld1backup.source.SqliteQuery;
import io.github.cameld1backup.sql.SqlText;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.sql.Types;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

/**
 * One open SQLite database as the subject engine sees it: its tables (discovered as a backup discovers
 * them, so SQLite's and D1's internal tables and the shadow tables of virtual tables are not there), how
 * each table's rows are addressed, and the edges a subject's closure follows: declared foreign keys and
 * the configured references.
 */
final class SubjectDatabase {

    private static final List<String> ROWID_NAMES = List.of("rowid", "_rowid_", "oid");

    final Connection connection;
    final Schema schema;
    private final Map<String, Shape> shapes = new LinkedHashMap<>();
    private final List<Edge> edges = new ArrayList<>();

    private SubjectDatabase(Connection connection, Schema schema) {
        this.connection = connection;
        this.schema = schema;
    }

    static SubjectDatabase read(Connection connection, SubjectSettings settings) throws SQLException {
        SqliteQuery query = new SqliteQuery();
        SchemaDiscovery discovery = new SchemaDiscovery();
        SchemaDiscovery.Catalog catalog = discovery.catalog(query.queryOn(discovery.masterQuery(), connection));
        List<List<QueryResult>> details = new ArrayList<>();
        for (SqlBatch batch : discovery.detailQueries(catalog)) {
            details.add(query.queryOn(batch, connection));
        }
        SubjectDatabase db = new SubjectDatabase(connection, discovery.schema(catalog, details));
        for (Table table : db.schema.tables()) {
            db.shapes.put(SubjectNames.fold(table.name()), new Shape(table));
        }
        for (Shape child : db.shapes.values()) {
            if (!child.table.isVirtual()) {
                db.addForeignKeys(child);
            }
        }
        for (SubjectReference reference : settings.references()) {
            db.addReference(reference);
        }
        return db;
    }

    Optional<Shape> shape(String table) {
        return Optional.ofNullable(shapes.get(SubjectNames.fold(table)));
    }

    List<Shape> shapes() {
        return List.copyOf(shapes.values());
    }

    /** Edges whose parent is {@code parent}: where the rows that reference its rows are. */
    List<Edge> edgesInto(Shape parent) {
        return edges.stream().filter(e -> e.parent == parent).toList();
    }

    List<Edge> edges() {
        return List.copyOf(edges);
    }

    private void addForeignKeys(Shape child) throws SQLException {
        // id -> rows of PRAGMA foreign_key_list in seq order: one entry per column of a composite key.
        Map<Integer, List<Map<String, Object>>> keys = new TreeMap<>();
        try (Statement s = connection.createStatement();
             ResultSet rs = s.executeQuery("PRAGMA foreign_key_list(" + child.quoted() + ")")) {
            while (rs.next()) {
                Map<String, Object> row = new LinkedHashMap<>();
                for (String column : List.of("seq", "table", "from", "to", "on_delete")) {
                    row.put(column, rs.getObject(column));
                }
                keys.computeIfAbsent(rs.getInt("id"), id -> new ArrayList<>()).add(row);
            }
        }
        for (List<Map<String, Object>> key : keys.values()) {
            key.sort(Comparator.comparingInt(r -> ((Number) r.get("seq")).intValue()));
            Optional<Shape> parent = shape(String.valueOf(key.get(0).get("table")));
            if (parent.isEmpty()) {
                continue; // references a table that is not there: nothing of the subject's can be in it
            }
            List<String> childColumns = key.stream().map(r -> String.valueOf(r.get("from"))).toList();
            List<String> parentColumns = key.stream().anyMatch(r -> r.get("to") == null)
                    ? parent.get().primaryKey()
                    : key.stream().map(r -> String.valueOf(r.get("to"))).toList();
            String onDelete = String.valueOf(key.get(0).get("on_delete")).toUpperCase(Locale.ROOT);
            if (parentColumns.size() == childColumns.size() && childColumns.stream().allMatch(child::has)
                    && parentColumns.stream().allMatch(parent.get()::has)) {
                edges.add(new Edge(child, childColumns, parent.get(), parentColumns, onDelete, false));
            }
        }
    }

    private void addReference(SubjectReference reference) {
        Optional<Shape> child = shape(reference.childTable());
        Optional<Shape> parent = shape(reference.parentTable());
        // An older backup may not have the table or column yet: then nothing there refers to the subject.
        if (child.isPresent() && parent.isPresent() && child.get().has(reference.childColumn())
                && parent.get().has(reference.parentColumn())) {
            edges.add(new Edge(child.get(), List.of(reference.childColumn()), parent.get(),
                    List.of(reference.parentColumn()), "CASCADE", true));
        }
    }

    /** A table: the columns it shows (hidden columns of virtual tables left out) and how its rows are addressed. */
    static final class Shape {

        final Table table;
        final List<String> columns;
        /** How the rowid is read (rowid, _rowid_, oid, or the INTEGER PRIMARY KEY), null if not addressable so. */
        final String rowidSql;

        Shape(Table table) {
            this.table = table;
            this.columns = table.columns().stream().filter(c -> c.hidden() != 1).map(Column::name).toList();
            this.rowidSql = table.rowidName().orElse(null);
        }

        String name() {
            return table.name();
        }

        String quoted() {
            return SqlText.identifier(table.name());
        }

        int columnIndex(String column) {
            for (int i = 0; i < columns.size(); i++) {
                if (SubjectNames.same(columns.get(i), column)) {
                    return i;
                }
            }
            return -1;
        }

        /** A rowid name (rowid, _rowid_, oid) that no column has taken, on a table with rowids. */
        boolean isRowidName(String column) {
            return rowidSql != null && columnIndex(column) < 0 && ROWID_NAMES.contains(SubjectNames.fold(column));
        }

        boolean has(String column) {
            return columnIndex(column) >= 0 || isRowidName(column);
        }

        /** The column as SQL: quoted, or the rowid. */
        String columnSql(String column) {
            return isRowidName(column) ? rowidSql : SqlText.identifier(columns.get(columnIndex(column)));
        }

        /** The column's name as the table spells it. */
        String spelled(String column) {
            return columnIndex(column) >= 0 ? columns.get(columnIndex(column)) : column;
        }

        /** The parent key a foreign key without column names refers to: the primary key, else the rowid. */
        List<String> primaryKey() {
            List<String> pk = table.columns().stream().filter(c -> c.primaryKeyPosition() > 0)
                    .sorted(Comparator.comparingInt(Column::primaryKeyPosition)).map(Column::name).toList();
            return pk.isEmpty() ? List.of("rowid") : pk;
        }

        /** Declared type of a column; "INTEGER" for the rowid. */
        String declaredType(String column) {
            if (isRowidName(column)) {
                return "INTEGER";
            }
            return table.columns().stream().filter(c -> SubjectNames.same(c.name(), column)).findFirst()
                    .map(Column::declaredType).orElse("");
        }

        /**
         * SQLite's affinity rules: none (BLOB) when the declared type is empty or says BLOB; ANY (STRICT
         * tables) converts nothing either. Such a column compares '42' and 42 as different values.
         */
        boolean withoutAffinity(String column) {
            String type = declaredType(column).toUpperCase(Locale.ROOT);
            if (type.contains("INT") || type.contains("CHAR") || type.contains("CLOB") || type.contains("TEXT")) {
                return false;
            }
            return type.isBlank() || type.contains("BLOB") || type.strip().equals("ANY");
        }

        /** Rows are addressed by rowid, or on WITHOUT ROWID tables by the primary key. */
        List<String> keySql() {
            if (table.withoutRowid()) {
                return table.primaryKey().stream().map(KeyPart::column).map(SqlText::identifier).toList();
            }
            if (rowidSql == null) {
                throw new IllegalStateException("table " + name() + " has columns named rowid, _rowid_ and oid and"
                        + " no INTEGER PRIMARY KEY, so its rows cannot be addressed one by one");
            }
            return List.of(rowidSql);
        }

        /** {@code SELECT key..., columns... FROM table}: what a row read for the closure holds. */
        String select() {
            List<String> parts = new ArrayList<>(keySql());
            columns.forEach(c -> parts.add(SqlText.identifier(c)));
            return "SELECT " + String.join(", ", parts) + " FROM " + quoted();
        }

        /** {@code key1 = ? AND key2 = ?}. */
        String keyCondition() {
            return String.join(" AND ", keySql().stream().map(k -> k + " = ?").toList());
        }

        /** Reads the row at the result set's cursor, as {@link #select()} asks for it. */
        Row read(ResultSet rs) throws SQLException {
            int keys = keySql().size();
            List<Object> key = new ArrayList<>(keys);
            for (int i = 1; i <= keys; i++) {
                key.add(stored(rs, i));
            }
            List<Object> values = new ArrayList<>(columns.size());
            for (int i = 1; i <= columns.size(); i++) {
                values.add(stored(rs, keys + i));
            }
            return new Row(key, values);
        }

        /** A value of a row: a column, or (for a rowid name) the rowid. */
        Object value(Row row, String column) {
            int i = columnIndex(column);
            return i >= 0 ? row.values().get(i) : row.key().get(0);
        }
    }

    /** A row: its address (rowid, or primary key) and its values in {@link Shape#columns} order. */
    record Row(List<Object> key, List<Object> values) {

        /** A map key for the address: exact for BLOBs and for 42 versus 42.0 versus '42'. */
        String identity() {
            return identity(key);
        }

        static String identity(List<Object> values) {
            StringBuilder out = new StringBuilder();
            for (Object v : values) {
                if (v instanceof byte[] b) {
                    out.append("x:").append(java.util.HexFormat.of().formatHex(b));
                } else if (v == null) {
                    out.append("n:");
                } else {
                    out.append(v.getClass().getSimpleName().charAt(0)).append(':').append(v.toString().length())
                            .append(':').append(v);
                }
                out.append('|');
            }
            return out.toString();
        }
    }

    /**
     * {@code child(childColumns)} references {@code parent(parentColumns)}: a declared foreign key with its
     * ON DELETE action, or a configured reference (implicit, followed as CASCADE).
     */
    record Edge(Shape child, List<String> childColumns, Shape parent, List<String> parentColumns, String onDelete,
                boolean implicit) {

        /** Whether the referencing rows go with the parent: CASCADE, and RESTRICT or NO ACTION (the subject must go). */
        boolean deletes() {
            return !onDelete.equals("SET NULL") && !onDelete.equals("SET DEFAULT");
        }

        String describe() {
            return side(child, childColumns) + " -> " + side(parent, parentColumns);
        }

        /** Parent keys per lookup statement: well under SQLite's bound-parameter limit. */
        int keysPerLookup() {
            return Math.max(1, 200 / childColumns.size());
        }

        /**
         * Child rows holding one of {@code keys} parent keys: {@code "c" IN (?, ?)}, or {@code ("a" = ? AND "b" = ?)
         * OR ...}. A child column without affinity converts nothing, so there the text of the value is compared
         * as well (an id kept as '42' references 42, as SQLite's own check, which applies the parent's
         * affinity, finds too). Parameters: bind with {@link #bindLookup}.
         */
        String lookupCondition(int keys) {
            List<String> columns = childColumns.stream().map(child::columnSql).toList();
            if (columns.size() == 1) {
                String in = columns.get(0) + " IN (" + String.join(", ", Collections.nCopies(keys, "?")) + ")";
                return textToo() ? "(" + in + " OR CAST(" + columns.get(0) + " AS TEXT) IN ("
                        + String.join(", ", Collections.nCopies(keys, "CAST(? AS TEXT)")) + "))" : in;
            }
            String one = "(" + String.join(" AND ", columns.stream().map(c -> c + " = ?").toList()) + ")";
            return String.join(" OR ", Collections.nCopies(keys, one));
        }

        void bindLookup(PreparedStatement statement, List<List<Object>> keys) throws SQLException {
            int index = 1;
            for (int pass = textToo() ? 2 : 1; pass > 0; pass--) {
                for (List<Object> key : keys) {
                    for (Object value : key) {
                        bind(statement, index++, value);
                    }
                }
            }
        }

        private boolean textToo() {
            return childColumns.size() == 1 && child.withoutAffinity(childColumns.get(0));
        }

        /** With the action the erasure takes, as reports say it. */
        String describeAction() {
            if (implicit) {
                return describe() + " (subject.references, deleted with the subject)";
            }
            String text = describe() + " ON DELETE " + onDelete;
            return onDelete.equals("RESTRICT") || onDelete.equals("NO ACTION")
                    ? text + " (deleted all the same: the subject must go)" : text;
        }

        private static String side(Shape shape, List<String> columns) {
            List<String> spelled = columns.stream().map(shape::spelled).toList();
            return columns.size() == 1 ? shape.name() + "." + spelled.get(0)
                    : shape.name() + "(" + String.join(", ", spelled) + ")";
        }
    }

    /** A value exactly as SQLite stores it: INTEGER as Long, REAL as Double, TEXT as String, BLOB as byte[]. */
    static Object stored(ResultSet rs, int column) throws SQLException {
        Object value = rs.getObject(column);
        if (value instanceof Integer i) {
            return i.longValue(); // sqlite-jdbc hands small integers back as Integer
        }
        return value;
    }

    static void bind(PreparedStatement statement, int index, Object value) throws SQLException {
        if (value == null) {
            statement.setNull(index, Types.NULL);
        } else if (value instanceof Long l) {
            statement.setLong(index, l);
        } else if (value instanceof Double d) {
            statement.setDouble(index, d);
        } else if (value instanceof byte[] b) {
            statement.setBytes(index, b);
        } else {
            statement.setString(index, value.toString());
        }
    }
}
