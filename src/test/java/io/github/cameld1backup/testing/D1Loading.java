package io.github.cameld1backup.testing;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Consumer;

/**
 * Puts what a SQLite file holds into a D1 database through plain SQL, as a user fills D1: tables
 * (parents before children), their rows with rowids and every value as SQLite's own
 * {@code quote()} writes it, AUTOINCREMENT counters, then indexes, views and triggers in the order
 * they were made. Independent of the project's dump code on purpose: it is what the backups are
 * checked against. Values too big for one statement are bound as parameters. Virtual tables get
 * their rows through the module; their shadow tables are the module's business.
 */
final class D1Loading {

    private static final int REQUEST_BYTES = 900_000;

    /** One statement and its bound parameters (String, Long, Double, byte[] or null). */
    record Query(String sql, List<Object> params) {
        Query(String sql) {
            this(sql, List.of());
        }
    }

    private D1Loading() {
    }

    static void load(Path file, Consumer<List<Query>> send) throws SQLException {
        List<Query> statements = new ArrayList<>();
        try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + file); Statement s = c.createStatement()) {
            Set<String> shadow = new HashSet<>();
            Map<String, Boolean> withoutRowid = new LinkedHashMap<>();
            try (ResultSet rs = s.executeQuery("SELECT name, type, wr FROM pragma_table_list WHERE schema = 'main'")) {
                while (rs.next()) {
                    if (rs.getString(2).equals("shadow")) {
                        shadow.add(rs.getString(1));
                    }
                    withoutRowid.put(rs.getString(1), rs.getInt(3) == 1);
                }
            }
            List<String[]> objects = new ArrayList<>();
            try (ResultSet rs = s.executeQuery("SELECT type, name, sql FROM sqlite_master WHERE sql IS NOT NULL ORDER BY rowid")) {
                while (rs.next()) {
                    objects.add(new String[] {rs.getString(1), rs.getString(2), rs.getString(3)});
                }
            }
            List<String> tables = new ArrayList<>();
            for (String[] o : objects) {
                if (o[0].equals("table") && !shadow.contains(o[1]) && !o[1].startsWith("sqlite_") && !o[1].startsWith("_cf_")) {
                    tables.add(o[1]);
                    statements.add(new Query(o[2]));
                }
            }
            for (String table : parentsFirst(s, tables)) {
                rows(s, table, !withoutRowid.getOrDefault(table, false), statements);
            }
            boolean sequences = objects.stream().anyMatch(o -> o[1].equals("sqlite_sequence"));
            if (sequences) {
                try (ResultSet rs = s.executeQuery("SELECT quote(name), seq FROM sqlite_sequence")) {
                    statements.add(new Query("DELETE FROM sqlite_sequence"));
                    while (rs.next()) {
                        statements.add(new Query("INSERT INTO sqlite_sequence(name, seq) VALUES(" + rs.getString(1) + ", "
                                + rs.getLong(2) + ")"));
                    }
                }
            }
            for (String[] o : objects) {
                if (!o[0].equals("table")) {
                    statements.add(new Query(o[2]));
                }
            }
        }
        List<Query> request = new ArrayList<>();
        int bytes = 0;
        for (Query statement : statements) {
            int size = statement.sql().getBytes(StandardCharsets.UTF_8).length
                    + statement.params().stream().mapToInt(p -> p instanceof byte[] b ? 4 * b.length : String.valueOf(p).length()).sum();
            if (!request.isEmpty() && bytes + size > REQUEST_BYTES) {
                send.accept(request);
                request = new ArrayList<>();
                bytes = 0;
            }
            if (request.isEmpty()) {
                request.add(new Query("PRAGMA defer_foreign_keys = on"));
            }
            request.add(statement);
            bytes += size;
        }
        if (!request.isEmpty()) {
            send.accept(request);
        }
    }

    private static List<String> parentsFirst(Statement s, List<String> tables) throws SQLException {
        Map<String, Set<String>> parents = new LinkedHashMap<>();
        for (String table : tables) {
            Set<String> of = new LinkedHashSet<>();
            try (ResultSet rs = s.executeQuery("SELECT \"table\" FROM pragma_foreign_key_list(" + literal(table) + ")")) {
                while (rs.next()) {
                    of.add(rs.getString(1));
                }
            }
            parents.put(table, of);
        }
        List<String> out = new ArrayList<>();
        Set<String> visiting = new HashSet<>();
        for (String table : tables) {
            visit(table, parents, visiting, out);
        }
        return out;
    }

    private static void visit(String table, Map<String, Set<String>> parents, Set<String> visiting, List<String> out) {
        if (out.contains(table) || !visiting.add(table) || !parents.containsKey(table)) {
            return;
        }
        for (String parent : parents.get(table)) {
            visit(parent, parents, visiting, out);
        }
        out.add(table);
    }

    private static void rows(Statement s, String table, boolean rowid, List<Query> out) throws SQLException {
        List<String> columns = new ArrayList<>();
        try (ResultSet rs = s.executeQuery("SELECT name FROM pragma_table_xinfo(" + literal(table) + ") WHERE hidden = 0")) {
            while (rs.next()) {
                columns.add(id(rs.getString(1)));
            }
        }
        List<String> names = new ArrayList<>(columns);
        List<String> values = new ArrayList<>();
        if (rowid) { // the first of SQLite's names for the rowid that no column has taken
            // (none left: the table's INTEGER PRIMARY KEY is its rowid, and is copied as a column)
            List.of("rowid", "_rowid_", "oid").stream()
                    .filter(a -> columns.stream().noneMatch(c -> c.equalsIgnoreCase(id(a)))).findFirst()
                    .ifPresent(alias -> {
                        names.add(0, alias);
                        values.add("quote(" + alias + ")");
                    });
        }
        for (String column : columns) {
            // quote() stops text at a NUL: such text goes as its UTF-8 bytes
            values.add("CASE WHEN typeof(" + column + ") = 'text' AND instr(" + column + ", char(0)) > 0 THEN 'CAST(X'''"
                    + " || hex(" + column + ") || ''' AS TEXT)' ELSE quote(" + column + ") END");
        }
        String insert = "INSERT INTO " + id(table) + "(" + String.join(", ", names) + ") VALUES(";
        try (ResultSet rs = s.executeQuery("SELECT " + String.join(", ", values) + " FROM " + id(table))) {
            while (rs.next()) {
                List<String> literals = new ArrayList<>();
                for (int i = 1; i <= values.size(); i++) {
                    literals.add(rs.getString(i));
                }
                row(insert, names, literals, out);
            }
        }
    }

    /** One row: its values as literals when they fit a statement, else its long text and BLOBs as bound parameters. */
    private static void row(String insert, List<String> names, List<String> literals, List<Query> out) {
        int size = insert.length() + literals.stream().mapToInt(l -> l.getBytes(StandardCharsets.UTF_8).length + 1).sum();
        if (size < 90_000) {
            out.add(new Query(insert + String.join(", ", literals) + ")", List.of()));
            return;
        }
        List<String> values = new ArrayList<>();
        List<Object> params = new ArrayList<>();
        for (String l : literals) {
            if (l.length() > 1_000 && l.startsWith("X'")) {
                values.add("?");
                params.add(HexFormat.of().parseHex(l.substring(2, l.length() - 1)));
            } else if (l.length() > 1_000 && l.startsWith("CAST(X'")) { // text holding NUL: bound, it keeps them
                values.add("?");
                params.add(new String(HexFormat.of().parseHex(l.substring(7, l.indexOf('\'', 7))), StandardCharsets.UTF_8));
            } else if (l.length() > 1_000 && l.startsWith("'")) {
                values.add("?");
                params.add(l.substring(1, l.length() - 1).replace("''", "'"));
            } else {
                values.add(l);
            }
        }
        out.add(new Query(insert + String.join(", ", values) + ")", params));
    }

    private static String id(String name) {
        return '"' + name.replace("\"", "\"\"") + '"';
    }

    private static String literal(String text) {
        return "'" + text.replace("'", "''") + "'";
    }
}
