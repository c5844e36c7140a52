package io.github.cameld1backup.export;

import io.github.cameld1backup.schema.Column;
import io.github.cameld1backup.schema.Table;
import io.github.cameld1backup.sql.SqlText;
import java.math.BigInteger;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * Reads the values of the INSERTs D1's export writes and says which of them the export cannot carry
 * exactly. The writer (miniflare's and wrangler's {@code dumpSql}, the same code as remote D1's) writes
 * {@code INSERT INTO "t" VALUES(...)} (remote D1: with a column list) with every number as JavaScript
 * prints a double, and text holding a line feed or carriage return as
 * {@code replace('..\n..','\n',char(10))} (nested for both). So:
 * <ul>
 * <li>{@code Infinity} and {@code -Infinity} are written bare, which SQLite reads as a column name: they
 * are rewritten to {@code 9e999} and {@code -9e999} (SQLite's own infinities), exactly.</li>
 * <li>An integer past 2^53 went through a double: it may have been rounded (9007199254740993 comes out as
 * 9007199254740992, 2^63-1 as 9223372036854776000, which restores as a REAL).</li>
 * <li>A REAL with an integral value prints as an integer (2.0 as {@code 2}, -0.0 as {@code 0}); a column
 * whose affinity converts it back (REAL) or would have stored it as an integer anyway (INTEGER, NUMERIC)
 * restores it exactly, a column without affinity (no type, BLOB, STRICT ANY) restores an INTEGER.</li>
 * <li>A text holding a line feed and also the two characters {@code \n} (or a carriage return and
 * {@code \r}) cannot be told apart from one whose {@code \n} were all line feeds: it may restore with
 * more line breaks than it had.</li>
 * </ul>
 * The rowids of tables without an INTEGER PRIMARY KEY are not in the export at all (see
 * {@link ExportReorder}). Everything else (NULL, BLOBs, other text, other REALs, which JavaScript prints
 * in the shortest form that reads back to the same double) is exact.
 */
final class ExportValues {

    private static final BigInteger SAFE = BigInteger.TWO.pow(53);
    private static final Pattern INTEGER = Pattern.compile("[-+]?[0-9]+");
    private static final Pattern NUMBER = Pattern.compile("[-+]?([0-9]+\\.?[0-9]*|\\.[0-9]+)([eE][-+]?[0-9]+)?");
    private static final Pattern LF_REPLACE = Pattern.compile("(?s)replace\\((.*),'\\\\n',char\\(10\\)\\)");
    private static final Pattern CR_REPLACE = Pattern.compile("(?s)replace\\((.*),'\\\\r',char\\(13\\)\\)");

    enum Affinity { INTEGER, TEXT, BLOB, REAL, NUMERIC }

    /** What the export may have changed, by table and column: the reasons a backup is not exact. */
    static final class Findings {
        private final Map<String, long[]> counts = new LinkedHashMap<>();
        private final Map<String, String> examples = new LinkedHashMap<>();

        void add(String table, String column, String kind, String example) {
            String key = SqlText.identifier(table) + "." + SqlText.identifier(column) + ": " + kind;
            counts.computeIfAbsent(key, k -> new long[1])[0]++;
            examples.putIfAbsent(key, example);
        }

        void addTable(String table, String reason) {
            counts.computeIfAbsent(SqlText.identifier(table) + ": " + reason, k -> new long[1])[0]++;
        }

        boolean isEmpty() {
            return counts.isEmpty();
        }

        /** One line per column and kind: where, how many values, one example as the export wrote it. */
        List<String> reasons() {
            List<String> out = new ArrayList<>();
            counts.forEach((key, n) -> {
                String example = examples.get(key);
                out.add(example == null ? key : key + " (" + n[0] + " value" + (n[0] == 1 ? "" : "s") + ", e.g. "
                        + SqlText.abbreviate(example) + ")");
            });
            return out;
        }
    }

    static final String ROUNDED = "integers past 2^53 may have been rounded (D1's export writes numbers as"
            + " JavaScript doubles)";
    static final String REAL_AS_INTEGER = "integers in a column without type affinity may have been REALs with an"
            + " integral value, which D1's export writes as integers (2.0 as 2) and which restore as INTEGER";
    static final String NEWLINES = "text holding both line breaks and the characters \\n or \\r may restore with"
            + " more line breaks (D1's export writes line breaks as \\n and \\r inside replace())";

    private ExportValues() {
    }

    /** The column affinity SQLite gives a declared type (STRICT tables: ANY keeps every value as it is). */
    static Affinity affinity(String declaredType, boolean strict) {
        String type = declaredType == null ? "" : declaredType.toUpperCase(Locale.ROOT);
        if (strict && type.equals("ANY")) {
            return Affinity.BLOB;
        }
        if (type.contains("INT")) {
            return Affinity.INTEGER;
        }
        if (type.contains("CHAR") || type.contains("CLOB") || type.contains("TEXT")) {
            return Affinity.TEXT;
        }
        if (type.isEmpty() || type.contains("BLOB")) {
            return Affinity.BLOB;
        }
        if (type.contains("REAL") || type.contains("FLOA") || type.contains("DOUB")) {
            return Affinity.REAL;
        }
        return Affinity.NUMERIC;
    }

    static boolean strict(Table table) {
        String sql = table.object().sql();
        if (sql == null) {
            return false;
        }
        int close = sql.lastIndexOf(')');
        return close >= 0 && sql.substring(close + 1).toUpperCase(Locale.ROOT).matches("(?s).*\\bSTRICT\\b.*");
    }

    /**
     * Scans the part of an INSERT after its table name (an optional column list, VALUES and its tuples),
     * records what may be inexact in {@code findings}, and answers that part with bare infinities rewritten.
     */
    static String scan(String rest, Table table, Findings findings) {
        int n = rest.length();
        int i = skipBlanks(rest, 0);
        List<Column> columns;
        if (i < n && rest.charAt(i) == '(') { // remote D1: INSERT INTO "t" ("a","b") VALUES(...)
            int close = closing(rest, i);
            columns = new ArrayList<>();
            for (String name : split(rest.substring(i + 1, close))) {
                String unquoted = unquoteName(name.strip());
                columns.add(table.columns().stream().filter(c -> c.name().equalsIgnoreCase(unquoted)).findFirst()
                        .orElseThrow(() -> new IllegalStateException("D1's export inserts into a column " + unquoted
                                + " that table " + table.name() + " does not have")));
            }
            i = close + 1;
        } else { // miniflare: the columns of PRAGMA table_info, in order (no generated or hidden ones)
            columns = table.columns().stream().filter(c -> c.hidden() == 0).toList();
        }
        i = skipBlanks(rest, i);
        if (!rest.regionMatches(true, i, "VALUES", 0, 6)) {
            throw new IllegalStateException("D1's export holds an INSERT into " + table.name()
                    + " this backup cannot read: " + SqlText.abbreviate(rest));
        }
        boolean strict = strict(table);
        StringBuilder out = new StringBuilder(n + 16).append(rest, 0, i + 6);
        i += 6;
        while (i < n) {
            char c = rest.charAt(i);
            if (c != '(') {
                out.append(c);
                i++;
                continue;
            }
            int close = closing(rest, i);
            List<String> values = split(rest.substring(i + 1, close));
            if (values.size() != columns.size()) {
                throw new IllegalStateException("D1's export inserts " + values.size() + " values into the "
                        + columns.size() + " columns of " + table.name() + ": " + SqlText.abbreviate(rest));
            }
            out.append('(');
            for (int v = 0; v < values.size(); v++) {
                if (v > 0) {
                    out.append(',');
                }
                out.append(value(values.get(v), table, columns.get(v), strict, findings));
            }
            out.append(')');
            i = close + 1;
        }
        return out.toString();
    }

    private static String value(String raw, Table table, Column column, boolean strict, Findings findings) {
        String v = raw.strip();
        if (v.equals("Infinity") || v.equals("+Infinity")) {
            return "9e999";
        }
        if (v.equals("-Infinity")) {
            return "-9e999";
        }
        if (v.equals("NaN")) { // SQLite holds no NaN (it stores NULL); never seen, but never a column name
            return "NULL";
        }
        if (INTEGER.matcher(v).matches()) {
            Affinity affinity = affinity(column.declaredType(), strict);
            if (affinity != Affinity.REAL && new BigInteger(v.startsWith("+") ? v.substring(1) : v).abs()
                    .compareTo(SAFE) >= 0) { // 2^53 itself may be 2^53+1 rounded
                findings.add(table.name(), column.name(), ROUNDED, v);
            } else if (affinity == Affinity.BLOB) {
                findings.add(table.name(), column.name(), REAL_AS_INTEGER, v);
            }
            return raw;
        }
        if (NUMBER.matcher(v).matches()) {
            return raw; // JavaScript's shortest form of a double: it reads back as the same REAL
        }
        if (v.startsWith("replace(") || v.startsWith("REPLACE(")) {
            String inner = v;
            boolean ambiguous = false;
            var lf = LF_REPLACE.matcher(inner);
            if (lf.matches()) {
                inner = lf.group(1);
                ambiguous = occurrences(inner, "\\n") > 1;
            }
            var cr = CR_REPLACE.matcher(inner);
            if (cr.matches()) {
                inner = cr.group(1);
                ambiguous |= occurrences(inner, "\\r") > 1;
            }
            if (ambiguous) {
                findings.add(table.name(), column.name(), NEWLINES, v);
            }
        }
        return raw;
    }

    private static int occurrences(String s, String part) {
        int count = 0;
        for (int at = s.indexOf(part); at >= 0; at = s.indexOf(part, at + part.length())) {
            count++;
        }
        return count;
    }

    private static int skipBlanks(String s, int i) {
        while (i < s.length() && Character.isWhitespace(s.charAt(i))) {
            i++;
        }
        return i;
    }

    /** The index of the parenthesis closing the one at {@code open}, quotes skipped. */
    private static int closing(String s, int open) {
        int depth = 0;
        for (int i = open; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == '\'' || c == '"' || c == '`' || c == '[') {
                i = endOfQuoted(s, i);
            } else if (c == '(') {
                depth++;
            } else if (c == ')' && --depth == 0) {
                return i;
            }
        }
        throw new IllegalStateException("D1's export holds an unbalanced statement: " + SqlText.abbreviate(s));
    }

    /** The index of the character closing the quoted literal or name starting at {@code i}. */
    private static int endOfQuoted(String s, int i) {
        char close = s.charAt(i) == '[' ? ']' : s.charAt(i);
        int j = i + 1;
        while (j < s.length()) {
            if (s.charAt(j) == close) {
                if (close != ']' && j + 1 < s.length() && s.charAt(j + 1) == close) {
                    j += 2;
                    continue;
                }
                return j;
            }
            j++;
        }
        return s.length() - 1;
    }

    /** Splits at the commas outside parentheses and quotes. */
    private static List<String> split(String s) {
        List<String> parts = new ArrayList<>();
        int depth = 0;
        int start = 0;
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == '\'' || c == '"' || c == '`' || c == '[') {
                i = endOfQuoted(s, i);
            } else if (c == '(') {
                depth++;
            } else if (c == ')') {
                depth--;
            } else if (c == ',' && depth == 0) {
                parts.add(s.substring(start, i));
                start = i + 1;
            }
        }
        if (!s.isBlank() || !parts.isEmpty()) {
            parts.add(s.substring(start));
        }
        return parts;
    }

    private static String unquoteName(String name) {
        if (name.length() >= 2) {
            char c = name.charAt(0);
            char close = c == '[' ? ']' : c;
            if ((c == '"' || c == '`' || c == '\'' || c == '[') && name.charAt(name.length() - 1) == close) {
                String inner = name.substring(1, name.length() - 1);
                return close == ']' ? inner : inner.replace(String.valueOf(close) + close, String.valueOf(close));
            }
        }
        return name;
    }
}
