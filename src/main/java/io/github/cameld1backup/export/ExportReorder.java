package io.github.cameld1backup.export;

import io.github.cameld1backup.dump.SqlDump;
import io.github.cameld1backup.sql.SqlDumpWriter;
import io.github.cameld1backup.schema.Schema;
import io.github.cameld1backup.schema.SchemaObject;
import io.github.cameld1backup.schema.Table;
import io.github.cameld1backup.sql.SqlScript;
import io.github.cameld1backup.sql.SqlText;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * Rewrites a SQL dump made by D1's export (each table's CREATE then its INSERTs, then indexes and
 * triggers, PRAGMAs, internal tables) into this project's restorable order: every CREATE TABLE, the
 * data parents first, sqlite_sequence, indexes, views, triggers; no BEGIN/COMMIT or PRAGMA of the
 * export, no {@code _cf_}/{@code sqlite_} objects. It streams: each table's data statements are
 * spooled to a file of their own and copied out in data order, so memory holds one statement (and
 * the schema). Text literals holding a carriage return or NUL, which the sqlite3 shell would alter,
 * are re-encoded as {@code CAST(X'..' AS TEXT)}.
 *
 * <p>The schema discovered just before the export decides the order; the export must hold exactly
 * those objects with the same SQL, or the run fails (the schema changed in between).
 */
final class ExportReorder {

    static final String ROWIDS = "rowids are renumbered from 1 (D1's export carries no rowid, and this table has no"
            + " INTEGER PRIMARY KEY to carry it)";
    private static final Pattern KEYED = Pattern.compile("\\b(UNIQUE|PRIMARY)\\b",
            Pattern.CASE_INSENSITIVE);
    private static final Pattern QUOTED_CREATE = Pattern.compile("CREATE TABLE ['\"]");
    private static final Set<String> SKIPPED = Set.of("PRAGMA", "BEGIN", "COMMIT", "END", "ROLLBACK", "SAVEPOINT",
            "RELEASE", "ANALYZE");

    private final Schema schema;
    private final SqlDumpWriter out;
    private final Path scratch;
    private final Map<String, String> created = new LinkedHashMap<>();
    private final Map<String, Path> dataFiles = new HashMap<>();
    private final Map<String, Long> rows = new HashMap<>();
    private final List<String> sequence = new ArrayList<>();
    private final ExportValues.Findings findings = new ExportValues.Findings();
    private final Map<String, Table> tables = new HashMap<>();
    private Writer current;
    private String currentTable;

    ExportReorder(Schema schema, SqlDumpWriter out, Path scratch) {
        this.schema = schema;
        this.out = out;
        this.scratch = scratch;
        schema.tables().forEach(t -> tables.put(key(t.name()), t));
    }

    /**
     * What the export could not carry exactly, one line per table/column and kind (empty: the restored
     * database equals the exported one). Known after {@link #reorder}.
     */
    List<String> inexact() {
        return findings.reasons();
    }

    /**
     * A row of the export too large for one statement: the export cannot be written as a dump D1 imports.
     * Thrown before anything is written to the dump (the export is spooled first), so the run can take
     * the paged dump instead, which builds such values up in pieces.
     */
    static final class RowTooLarge extends IllegalStateException {
        RowTooLarge(String message) {
            super(message);
        }
    }

    /**
     * Reads the export, then writes {@code header} (comment lines) and the reordered dump; answers rows
     * inserted per table (lower-case names). Nothing is written when the export cannot be used.
     */
    Map<String, Long> reorder(Path export, List<String> header) throws IOException {
        try (BufferedReader in = reader(export)) {
            SqlScript statements = new SqlScript(in);
            while (statements.hasNext()) {
                classify(strip(statements.next()));
            }
        } finally {
            closeCurrent();
        }
        checkSchema();
        for (Table table : schema.dataOrder()) {
            long count = rows.getOrDefault(key(table.name()), 0L);
            // Rowids exactly 1..N (N distinct integers from 1 to N) come back as they were: the export
            // reads a table with no index (none SQLite could scan instead) in rowid order, and the restore
            // numbers its rows from 1 in that order.
            boolean dense = table.rowidSpan() != null && table.rowidSpan().first() == 1 && table.rowidSpan().last() == count
                    && unindexed(table);
            if (table.writesRowid() && count > 0 && !dense) {
                findings.addTable(table.name(), ROWIDS);
            }
        }
        header.forEach(out::comment);
        out.comment(SqlDump.END_NOTE); // the last header line, as in a paged dump
        out.statement("PRAGMA defer_foreign_keys=TRUE");
        for (Table table : schema.tables()) {
            out.statement(SqlText.schemaStatement(table.object().sql()));
        }
        for (Table table : schema.dataOrder()) {
            // No comment in front of the data: D1 would count it toward the next statement, and a name
            // in it (a quote, a semicolon) has broken its parser.
            Path file = dataFiles.get(key(table.name()));
            if (file != null) {
                try (BufferedReader in = reader(file)) {
                    new SqlScript(in).forEachRemaining(s -> out.statement(withoutSemicolon(s)));
                }
            }
        }
        if (!sequence.isEmpty()) {
            // The data inserts created counters of their own; the export's values replace them all.
            out.statement("DELETE FROM sqlite_sequence");
            sequence.forEach(out::statement);
        }
        for (List<SchemaObject> objects : List.of(schema.indexes(), schema.views(), schema.triggers())) {
            for (SchemaObject o : objects) {
                out.statement(SqlText.schemaStatement(o.sql()));
            }
        }
        out.statement(SqlDump.END_STATEMENT);
        return rows;
    }

    private void classify(String sql) throws IOException {
        Words words = new Words(sql);
        String verb = words.word().toUpperCase(Locale.ROOT);
        switch (verb) {
            case "CREATE" -> {
                String type = words.word().toUpperCase(Locale.ROOT);
                while (Set.of("TEMP", "TEMPORARY", "UNIQUE", "VIRTUAL").contains(type)) {
                    type = words.word().toUpperCase(Locale.ROOT);
                }
                words.skip("IF", "NOT", "EXISTS");
                String name = words.name();
                if (!internal(name)) {
                    created.put(type.toLowerCase(Locale.ROOT) + " " + key(name), sql);
                }
            }
            case "INSERT", "REPLACE", "UPDATE", "DELETE" -> {
                if (!verb.equals("DELETE") && words.peekIs("OR")) { // INSERT OR REPLACE, UPDATE OR IGNORE
                    words.word();
                    words.word();
                }
                words.skip(verb.equals("DELETE") ? "FROM" : "INTO");
                String table = words.name();
                data(verb, table, sql, words.at);
            }
            default -> {
                if (!SKIPPED.contains(verb)) {
                    throw new IllegalStateException("D1's export holds a statement this backup cannot place: "
                            + SqlText.abbreviate(sql));
                }
            }
        }
    }

    private void data(String verb, String table, String sql, int afterName) throws IOException {
        if (table.equalsIgnoreCase("sqlite_sequence")) {
            if (!verb.equals("DELETE")) {
                sequence.add(reencode(sql).sql());
            }
            return;
        }
        if (internal(table)) {
            return;
        }
        Table known = tables.get(key(table));
        boolean insert = verb.equals("INSERT") || verb.equals("REPLACE");
        if (insert && known != null) {
            sql = sql.substring(0, afterName) + ExportValues.scan(sql.substring(afterName), known, findings);
        } else if (!insert) { // D1's writer only inserts; values it changed must not pass unread
            throw new IllegalStateException("D1's export holds a statement this backup cannot place: "
                    + SqlText.abbreviate(sql));
        }
        Scanned scanned = reencode(sql);
        // With its semicolon and the line break in front of it, as D1 counts it (see SqlDumpWriter).
        int bytes = 1 + SqlText.utf8Length(scanned.sql()) + 1;
        if (bytes > out.maxStatementBytes()) {
            throw new RowTooLarge("D1's export wrote a statement of " + bytes + " bytes for a table, over the "
                    + out.maxStatementBytes() + "-byte limit of one D1 statement (BACKUP_STATEMENT_MAX_BYTES)");
        }
        String key = key(table);
        if (!key.equals(currentTable)) {
            closeCurrent();
            Path file = dataFiles.computeIfAbsent(key, k -> scratch.resolve("data-" + dataFiles.size() + ".sql"));
            current = Files.newBufferedWriter(file, StandardCharsets.UTF_8, StandardOpenOption.CREATE,
                    StandardOpenOption.APPEND);
            currentTable = key;
        }
        current.write(scanned.sql());
        current.write(";\n");
        rows.merge(key, scanned.rows(), Long::sum);
    }

    /** The export must hold the objects discovered before it, with the same SQL. */
    private void checkSchema() {
        Map<String, String> expected = new LinkedHashMap<>();
        schema.tables().forEach(t -> expected.put("table " + key(t.name()), t.object().sql()));
        for (List<SchemaObject> objects : List.of(schema.indexes(), schema.views(), schema.triggers())) {
            objects.forEach(o -> expected.put(o.type() + " " + key(o.name()), o.sql()));
        }
        List<String> differences = new ArrayList<>();
        expected.forEach((object, sql) -> {
            String exported = created.get(object);
            if (exported == null) {
                differences.add(object + " is missing");
            } else if (!withoutSemicolon(exported).equals(withoutSemicolon(sql.strip()))
                    && !withoutSemicolon(exported).equals(withoutSemicolon(asExported(sql.strip())))) {
                differences.add(object + " differs");
            }
        });
        created.keySet().stream().filter(o -> !expected.containsKey(o)).forEach(o -> differences.add(o + " is new"));
        if (!differences.isEmpty()) {
            throw new IllegalStateException("the schema changed between the backup's discovery and D1's export ("
                    + String.join(", ", differences.subList(0, Math.min(5, differences.size())))
                    + "); run the backup again");
        }
        dataFiles.keySet().stream().filter(t -> !expected.containsKey("table " + t)).findFirst().ifPresent(t -> {
            throw new IllegalStateException("D1's export holds data for " + t + ", a table it does not create");
        });
    }

    /**
     * A CREATE TABLE as D1's export writes it: the writer turns any CREATE matching
     * {@code /CREATE TABLE ['"]/} (unanchored) into {@code CREATE TABLE IF NOT EXISTS } plus the SQL after
     * its first 13 characters.
     */
    static String asExported(String sql) {
        return QUOTED_CREATE.matcher(sql).find() ? "CREATE TABLE IF NOT EXISTS " + sql.substring(Math.min(13, sql.length()))
                : sql;
    }

    private void closeCurrent() throws IOException {
        if (current != null) {
            current.close();
            current = null;
            currentTable = null;
        }
    }

    /** A statement re-encoded where needed, and the rows its VALUES list holds. */
    record Scanned(String sql, long rows) {
    }

    /**
     * Re-encodes text literals holding CR or NUL as {@code CAST(X'..' AS TEXT)} and counts the row
     * tuples after VALUES; quoted identifiers and literals are skipped, so their text cannot confuse it.
     */
    static Scanned reencode(String sql) {
        StringBuilder rewritten = null;
        int depth = 0;
        boolean values = false;
        long tuples = 0;
        int n = sql.length();
        int i = 0;
        while (i < n) {
            char c = sql.charAt(i);
            if (c == '\'' || c == '"' || c == '`' || c == '[') {
                char close = c == '[' ? ']' : c;
                int j = i + 1;
                boolean special = false;
                while (j < n) {
                    char d = sql.charAt(j);
                    if (d == close) {
                        if (close != ']' && j + 1 < n && sql.charAt(j + 1) == close) {
                            j += 2;
                            continue;
                        }
                        break;
                    }
                    special |= d == '\r' || d == '\0';
                    j++;
                }
                int end = Math.min(j + 1, n);
                boolean blob = c == '\'' && i > 0 && (sql.charAt(i - 1) == 'X' || sql.charAt(i - 1) == 'x');
                if (c == '\'' && special && !blob) {
                    if (rewritten == null) {
                        rewritten = new StringBuilder(n + 64).append(sql, 0, i);
                    }
                    rewritten.append(SqlText.hexText(SqlText.unquoteString(sql.substring(i, end))));
                } else if (rewritten != null) {
                    rewritten.append(sql, i, end);
                }
                i = end;
                continue;
            }
            if (c == '(') {
                if (depth == 0 && values) {
                    tuples++;
                }
                depth++;
            } else if (c == ')') {
                depth--;
            } else if (depth == 0 && !values && (c == 'V' || c == 'v') && sql.regionMatches(true, i, "VALUES", 0, 6)
                    && (i == 0 || !wordChar(sql.charAt(i - 1))) && (i + 6 >= n || !wordChar(sql.charAt(i + 6)))) {
                values = true;
            }
            if (rewritten != null) {
                rewritten.append(c);
            }
            i++;
        }
        return new Scanned(rewritten == null ? sql : rewritten.toString(), tuples);
    }

    private static boolean wordChar(char c) {
        return Character.isLetterOrDigit(c) || c == '_' || c == '$' || c >= 0x80;
    }

    /** The statement without leading comments and its final semicolon. */
    private static String strip(String statement) {
        String s = statement.strip();
        while (s.startsWith("--") || s.startsWith("/*")) {
            int end = s.startsWith("--") ? s.indexOf('\n') : s.indexOf("*/") + 1;
            s = end <= 0 ? "" : s.substring(end + 1).strip();
        }
        return withoutSemicolon(s);
    }

    private static String withoutSemicolon(String s) {
        String t = s.strip();
        return t.endsWith(";") ? t.substring(0, t.length() - 1).stripTrailing() : t;
    }

    private static boolean internal(String name) {
        String lower = key(name);
        return lower.startsWith("sqlite_") || lower.startsWith("_cf_");
    }

    private static String key(String name) {
        return name.toLowerCase(Locale.ROOT);
    }

    private static BufferedReader reader(Path file) throws IOException {
        return new BufferedReader(new InputStreamReader(Files.newInputStream(file), StandardCharsets.UTF_8), 1 << 16);
    }

    /** Reads the leading keywords and one (possibly quoted, possibly schema-qualified) name of a statement. */
    private static final class Words {
        private final String sql;
        int at;

        Words(String sql) {
            this.sql = sql;
        }

        String word() {
            blanks();
            int start = at;
            while (at < sql.length() && wordChar(sql.charAt(at))) {
                at++;
            }
            return sql.substring(start, at);
        }

        boolean peekIs(String keyword) {
            int saved = at;
            boolean is = word().equalsIgnoreCase(keyword);
            at = saved;
            return is;
        }

        void skip(String... keywords) {
            for (String k : keywords) {
                if (!peekIs(k)) {
                    return;
                }
                word();
            }
        }

        String name() {
            String name = part();
            blanks();
            if (at < sql.length() && sql.charAt(at) == '.') {
                at++;
                name = part(); // schema-qualified: main."t"
            }
            return name;
        }

        private String part() {
            blanks();
            if (at >= sql.length()) {
                throw new IllegalStateException("D1's export holds a statement without a name: " + SqlText.abbreviate(sql));
            }
            char c = sql.charAt(at);
            if (c == '"' || c == '`' || c == '\'' || c == '[') {
                char close = c == '[' ? ']' : c;
                StringBuilder name = new StringBuilder();
                at++;
                while (at < sql.length()) {
                    char d = sql.charAt(at++);
                    if (d == close) {
                        if (close != ']' && at < sql.length() && sql.charAt(at) == close) {
                            name.append(d);
                            at++;
                            continue;
                        }
                        break;
                    }
                    name.append(d);
                }
                return name.toString();
            }
            return word();
        }

        private void blanks() {
            while (at < sql.length() && Character.isWhitespace(sql.charAt(at))) {
                at++;
            }
        }
    }

    private boolean unindexed(Table table) {
        boolean explicit = schema.indexes().stream().anyMatch(i -> i.tableName().equalsIgnoreCase(table.name()));
        boolean implicit = KEYED.matcher(table.object().sql()).find(); // a UNIQUE or PRIMARY KEY index of its own
        return !explicit && !implicit;
    }
}
