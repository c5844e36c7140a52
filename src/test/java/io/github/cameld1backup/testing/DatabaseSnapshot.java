package io.github.cameld1backup.testing;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.TreeMap;

/**
 * Everything a user would call "the database", as comparable text: every schema object's SQL, and
 * every row of every table with each value's storage class and exact bits (REALs by their IEEE
 * bits, everything else by its bytes in hex). Internal D1 tables and the shadow tables of
 * virtual tables (whose page layout legitimately differs after a reload) are left out; the virtual
 * tables' own contents are compared instead. Taken the same way from a SQLite file and from D1.
 */
public final class DatabaseSnapshot {

    /** Runs one read and answers its rows, every value as text (or null). */
    private interface Reader {
        List<List<String>> read(String sql) throws SQLException;
    }

    private DatabaseSnapshot() {
    }

    /** Object name -> lines: one "schema" entry plus one entry per table's rows. */
    public static TreeMap<String, List<String>> of(Path db) throws SQLException {
        try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + db); Statement s = c.createStatement()) {
            return of(sql -> {
                List<List<String>> rows = new ArrayList<>();
                try (ResultSet rs = s.executeQuery(sql)) {
                    int n = rs.getMetaData().getColumnCount();
                    while (rs.next()) {
                        List<String> row = new ArrayList<>(n);
                        for (int i = 1; i <= n; i++) {
                            row.add(rs.getString(i));
                        }
                        rows.add(row);
                    }
                }
                return rows;
            });
        }
    }

    /** The same snapshot of a database in D1, read through its API. */
    public static TreeMap<String, List<String>> of(WorkerdD1 d1, String databaseId) throws SQLException {
        return of(sql -> d1.rows(databaseId, sql).stream()
                .map(row -> row.stream().map(v -> v == null ? null : v.toString()).toList()).toList());
    }

    private static TreeMap<String, List<String>> of(Reader db) throws SQLException {
        TreeMap<String, List<String>> snapshot = new TreeMap<>();
        List<String[]> tables = new ArrayList<>();
        List<String> schema = new ArrayList<>();
        List<String> virtualTables = new ArrayList<>();
        for (List<String> row : db.read("SELECT type, name, tbl_name, sql FROM sqlite_master ORDER BY type, name")) {
            String name = row.get(1);
            if (name.toLowerCase(Locale.ROOT).startsWith("_cf_")) {
                continue;
            }
            schema.add(row.get(0) + " " + name + " ON " + row.get(2) + ": " + row.get(3));
            if (row.get(0).equals("table")) {
                String sql = row.get(3);
                tables.add(new String[] {name, sql});
                if (sql != null && sql.toUpperCase(Locale.ROOT).startsWith("CREATE VIRTUAL")) {
                    virtualTables.add(name);
                }
            }
        }
        snapshot.put("~schema", schema);
        for (String[] table : tables) {
            String name = table[0];
            boolean shadow = virtualTables.stream().anyMatch(v -> name.startsWith(v + "_"));
            if (!shadow) {
                snapshot.put(name, rows(db, name, table[1]));
            }
        }
        return snapshot;
    }

    private static List<String> rows(Reader db, String table, String sql) throws SQLException {
        String quoted = '"' + table.replace("\"", "\"\"") + '"';
        List<String> columns = new ArrayList<>();
        for (List<String> column : db.read("PRAGMA table_xinfo(" + quoted + ")")) {
            if (!column.get(6).equals("1")) {
                columns.add('"' + column.get(1).replace("\"", "\"\"") + '"');
            }
        }
        boolean withoutRowid = sql != null && sql.toUpperCase(Locale.ROOT).replaceAll("\\s+", " ").matches(".*WITHOUT ROWID\\s*;?$");
        List<String> exprs = new ArrayList<>();
        if (!withoutRowid && !table.equals("sqlite_sequence")) {
            exprs.add("_rowid_");
        }
        exprs.addAll(columns);
        List<String> select = new ArrayList<>();
        for (String e : exprs) {
            // quote() writes a REAL so that it reads back to the same bits (-0.0 included); hex() gives the rest's bytes
            select.add("typeof(" + e + "), CASE typeof(" + e + ") WHEN 'real' THEN quote(" + e + ") ELSE hex(" + e + ") END");
        }
        String order = withoutRowid || table.equals("sqlite_sequence") ? "1" : "_rowid_";
        List<String> lines = new ArrayList<>();
        for (List<String> row : db.read("SELECT " + String.join(", ", select) + " FROM " + quoted + " ORDER BY " + order)) {
            StringBuilder line = new StringBuilder();
            for (int i = 0; i < row.size(); i += 2) {
                String type = row.get(i);
                line.append(type).append(':');
                if (type.equals("real")) {
                    line.append(Long.toHexString(Double.doubleToRawLongBits(Double.parseDouble(row.get(i + 1)))));
                } else {
                    line.append(row.get(i + 1));
                }
                line.append(' ');
            }
            lines.add(line.toString());
        }
        if (withoutRowid || table.equals("sqlite_sequence")) {
            lines.sort(String::compareTo);
        }
        return lines;
    }
}
