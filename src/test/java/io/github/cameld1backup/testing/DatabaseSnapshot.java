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
 * tables' own contents are compared instead.
 */
public final class DatabaseSnapshot {

    private DatabaseSnapshot() {
    }

    /** Object name -> lines: one "schema" entry plus one entry per table's rows. */
    public static TreeMap<String, List<String>> of(Path db) throws SQLException {
        TreeMap<String, List<String>> snapshot = new TreeMap<>();
        try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + db); Statement s = c.createStatement()) {
            List<String[]> tables = new ArrayList<>();
            List<String> schema = new ArrayList<>();
            List<String> virtualTables = new ArrayList<>();
            try (ResultSet rs = s.executeQuery("SELECT type, name, tbl_name, sql FROM sqlite_master ORDER BY type, name")) {
                while (rs.next()) {
                    String name = rs.getString(2);
                    if (name.toLowerCase(Locale.ROOT).startsWith("_cf_")) {
                        continue;
                    }
                    schema.add(rs.getString(1) + " " + name + " ON " + rs.getString(3) + ": " + rs.getString(4));
                    if (rs.getString(1).equals("table")) {
                        String sql = rs.getString(4);
                        tables.add(new String[] {name, sql});
                        if (sql != null && sql.toUpperCase(Locale.ROOT).startsWith("CREATE VIRTUAL")) {
                            virtualTables.add(name);
                        }
                    }
                }
            }
            snapshot.put("~schema", schema);
            for (String[] table : tables) {
                String name = table[0];
                boolean shadow = virtualTables.stream().anyMatch(v -> name.startsWith(v + "_"));
                if (!shadow) {
                    snapshot.put(name, rows(s, name, table[1]));
                }
            }
        }
        return snapshot;
    }

    private static List<String> rows(Statement s, String table, String sql) throws SQLException {
        String quoted = '"' + table.replace("\"", "\"\"") + '"';
        List<String> columns = new ArrayList<>();
        try (ResultSet rs = s.executeQuery("PRAGMA table_xinfo(" + quoted + ")")) {
            while (rs.next()) {
                if (rs.getInt("hidden") != 1) {
                    columns.add('"' + rs.getString("name").replace("\"", "\"\"") + '"');
                }
            }
        }
        boolean withoutRowid = sql != null && sql.toUpperCase(Locale.ROOT).replaceAll("\\s+", " ").matches(".*WITHOUT ROWID\\s*;?$");
        List<String> exprs = new ArrayList<>();
        if (!withoutRowid && !table.equals("sqlite_sequence")) {
            exprs.add("typeof(_rowid_)");
            exprs.add("_rowid_");
            exprs.add("hex(_rowid_)");
        }
        for (String column : columns) {
            exprs.add("typeof(" + column + ")");
            exprs.add(column);
            exprs.add("hex(" + column + ")");
        }
        String order = withoutRowid || table.equals("sqlite_sequence") ? "1" : "_rowid_";
        List<String> lines = new ArrayList<>();
        try (ResultSet rs = s.executeQuery("SELECT " + String.join(", ", exprs) + " FROM " + quoted + " ORDER BY " + order)) {
            while (rs.next()) {
                StringBuilder line = new StringBuilder();
                for (int i = 1; i <= exprs.size(); i += 3) {
                    String type = rs.getString(i);
                    line.append(type).append(':');
                    if (type.equals("real")) {
                        line.append(Long.toHexString(Double.doubleToRawLongBits(rs.getDouble(i + 1))));
                    } else {
                        line.append(rs.getString(i + 2));
                    }
                    line.append(' ');
                }
                lines.add(line.toString());
            }
        }
        if (withoutRowid || table.equals("sqlite_sequence")) {
            lines.sort(String::compareTo);
        }
        return lines;
    }
}
