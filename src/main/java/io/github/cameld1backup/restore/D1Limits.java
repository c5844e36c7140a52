package io.github.cameld1backup.restore;

import io.github.cameld1backup.sql.SqlScript;
import io.github.cameld1backup.sql.SqlText;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Pre-flight of a restore into D1: one streaming pass over the decoded dump, before anything is
 * written, for what D1 refuses although SQLite takes it: tables of more than 100 columns, strings,
 * BLOBs or rows over 2,000,000 bytes, and statements over D1's statement limit. A SQLite-sourced
 * backup may hold any of them; found half-way through a restore they would leave the database
 * half-restored. Column counts come from SQLite itself (each CREATE TABLE is run in an empty
 * in-memory database); value sizes from the literals of each row, values built up in the dump's
 * staging table ({@code UPDATE staging SET v = v || piece}) counted whole.
 */
public final class D1Limits {

    public static final int MAX_COLUMNS = 100;
    public static final long MAX_VALUE_BYTES = 2_000_000;
    private static final int MAX_REPORTED = 10;
    private static final Pattern CREATE_TABLE = Pattern.compile("(?is)^\\s*(?:--[^\\n]*\\n\\s*)*CREATE\\s+(?:TEMP\\s+|TEMPORARY\\s+)?TABLE\\b");
    private static final Pattern WRITE = Pattern.compile(
            "(?is)^\\s*(?:--[^\\n]*\\n\\s*)*(INSERT|REPLACE|UPDATE|DROP\\s+TABLE)\\b(?:\\s+OR\\s+\\w+)?(?:\\s+INTO)?(?:\\s+IF\\s+EXISTS)?\\s+"
                    + "(\"(?:[^\"]|\"\")*\"|\\[[^\\]]*\\]|`(?:[^`]|``)*`|[^\\s(]+)");
    private static final Pattern WHERE_N = Pattern.compile("(?is)\\bWHERE\\s+n\\s*=\\s*(\\d+)\\s*;?\\s*$");
    private static final Pattern FIRST_NUMBER = Pattern.compile("(?is)\\bVALUES\\s*\\(\\s*(\\d+)");

    private D1Limits() {
    }

    /** Scans the dump; throws a {@link RestoreException} naming every table and limit passed (the first few). */
    public static void check(InputStream sql, int maxStatementBytes) {
        List<String> problems = new ArrayList<>();
        SqlScript script = new SqlScript(new InputStreamReader(sql, StandardCharsets.UTF_8));
        Map<Long, Long> staged = new HashMap<>(); // staging row n -> bytes built up so far
        try (Connection scratch = DriverManager.getConnection("jdbc:sqlite::memory:")) {
            long n = 0;
            while (script.hasNext() && problems.size() < MAX_REPORTED) {
                String statement = script.next();
                n++;
                String where = "statement " + n + " (line " + script.lineOfLast() + ")";
                int size = SqlText.utf8Length(statement);
                if (size > maxStatementBytes) {
                    problems.add(where + " is " + size + " bytes, over D1's limit of " + maxStatementBytes
                            + " bytes per statement");
                }
                if (CREATE_TABLE.matcher(statement).find()) {
                    columns(scratch, statement).ifPresent(count -> {
                        if (count[0] > MAX_COLUMNS) {
                            problems.add("table " + CreatedObject.of(statement).map(CreatedObject::name).orElse("?")
                                    + " has " + count[0] + " columns, over D1's limit of " + MAX_COLUMNS
                                    + " columns per table (" + where + ")");
                        }
                    });
                    continue;
                }
                Matcher write = WRITE.matcher(statement);
                if (!write.find()) {
                    continue;
                }
                String verb = write.group(1).toUpperCase(Locale.ROOT);
                String table = unquote(write.group(2));
                boolean staging = table.toLowerCase(Locale.ROOT).startsWith("_camel_d1_backup_staging");
                if (verb.startsWith("DROP")) {
                    if (staging) {
                        staged.clear();
                    }
                    continue;
                }
                if (staging) {
                    Matcher key = verb.equals("UPDATE") ? WHERE_N.matcher(statement) : FIRST_NUMBER.matcher(statement);
                    staged.merge(key.find() ? Long.parseLong(key.group(1)) : 0L, literalBytes(statement), Long::sum);
                    continue;
                }
                // A row reading values built up in the staging table: they count toward it, whole.
                boolean readsStaged = statement.contains("_camel_d1_backup_staging");
                long stagedBytes = readsStaged ? staged.values().stream().mapToLong(Long::longValue).sum() : 0;
                long stagedLargest = readsStaged ? staged.values().stream().mapToLong(Long::longValue).max().orElse(0) : 0;
                for (long[] row : rows(statement)) {
                    long largest = Math.max(row[1], stagedLargest);
                    long rowBytes = row[0] + stagedBytes;
                    if (largest > MAX_VALUE_BYTES) {
                        problems.add("table " + table + ": a value of " + largest + " bytes, over D1's limit of "
                                + MAX_VALUE_BYTES + " bytes per string or BLOB (" + where + ")");
                    } else if (rowBytes > MAX_VALUE_BYTES) {
                        problems.add("table " + table + ": a row of " + rowBytes + " bytes, over D1's limit of "
                                + MAX_VALUE_BYTES + " bytes per row (" + where + ")");
                    }
                }
            }
        } catch (SQLException e) {
            throw new IllegalStateException("the pre-flight check of the dump could not start SQLite: " + e.getMessage(), e);
        }
        if (!problems.isEmpty()) {
            throw new RestoreException("the backup cannot be restored into D1, nothing was restored: "
                    + String.join("; ", problems) + (problems.size() >= MAX_REPORTED ? "; ..." : "")
                    + " (D1 allows " + MAX_COLUMNS + " columns per table and " + MAX_VALUE_BYTES
                    + " bytes per row, string or BLOB; restore into SQLite with --to sqlite:PATH instead)");
        }
    }

    /** How many columns SQLite gives the table of a CREATE TABLE, or empty when it cannot make it alone. */
    private static Optional<long[]> columns(Connection scratch, String create) {
        Optional<CreatedObject> created = CreatedObject.of(create);
        if (created.isEmpty()) {
            return Optional.empty();
        }
        String name = created.get().name();
        try (Statement s = scratch.createStatement()) {
            s.execute("DROP TABLE IF EXISTS " + SqlText.identifier(name));
            s.execute(create);
            long columns;
            try (PreparedStatement count = scratch.prepareStatement("SELECT count(*) FROM pragma_table_xinfo(?)")) {
                count.setString(1, name);
                try (ResultSet rs = count.executeQuery()) {
                    columns = rs.next() ? rs.getLong(1) : 0;
                }
            }
            s.execute("DROP TABLE IF EXISTS " + SqlText.identifier(name)); // not while the count's cursor is open
            return Optional.of(new long[] {columns});
        } catch (SQLException e) {
            return Optional.empty(); // CREATE TABLE ... AS SELECT and the like: D1 will say
        }
    }

    /** The bytes of every string and BLOB literal in a statement. */
    static long literalBytes(String statement) {
        long total = 0;
        for (long[] row : scan(statement, false)) {
            total += row[0];
        }
        return total;
    }

    /** Each row of an INSERT ... VALUES: {bytes of its literals, bytes of its largest literal}. */
    static List<long[]> rows(String statement) {
        return scan(statement, true);
    }

    /**
     * Walks the statement's tokens: quoted names are skipped, string literals count their UTF-8 bytes
     * ('' as one quote), BLOB literals (X'..') half their hex digits. With {@code byRow}, each
     * parenthesised tuple after VALUES is a row; otherwise the whole statement is one.
     */
    private static List<long[]> scan(String sql, boolean byRow) {
        List<long[]> rows = new ArrayList<>();
        long[] current = byRow ? null : new long[2];
        boolean afterValues = false;
        int depth = 0;
        int i = 0;
        int length = sql.length();
        while (i < length) {
            char c = sql.charAt(i);
            if (c == '\'') {
                boolean blob = i > 0 && (sql.charAt(i - 1) == 'x' || sql.charAt(i - 1) == 'X')
                        && (i < 2 || !Character.isLetterOrDigit(sql.charAt(i - 2)) && sql.charAt(i - 2) != '_');
                int end = i + 1;
                long bytes = 0;
                while (end < length) {
                    char d = sql.charAt(end);
                    if (d == '\'') {
                        if (end + 1 < length && sql.charAt(end + 1) == '\'') {
                            bytes += 1;
                            end += 2;
                            continue;
                        }
                        break;
                    }
                    bytes += d < 0x80 ? 1 : d < 0x800 ? 2 : Character.isSurrogate(d) ? 2 : 3;
                    end++;
                }
                long valueBytes = blob ? bytes / 2 : bytes;
                if (current != null) {
                    current[0] += valueBytes;
                    current[1] = Math.max(current[1], valueBytes);
                }
                i = end + 1;
            } else if (c == '"' || c == '`' || c == '[') {
                char close = c == '[' ? ']' : c;
                int end = sql.indexOf(close, i + 1);
                while (end >= 0 && close != ']' && end + 1 < length && sql.charAt(end + 1) == close) {
                    end = sql.indexOf(close, end + 2);
                }
                i = end < 0 ? length : end + 1;
            } else if (c == '-' && i + 1 < length && sql.charAt(i + 1) == '-') {
                int end = sql.indexOf('\n', i);
                i = end < 0 ? length : end + 1;
            } else if (c == '/' && i + 1 < length && sql.charAt(i + 1) == '*') {
                int end = sql.indexOf("*/", i + 2);
                i = end < 0 ? length : end + 2;
            } else if (c == '(') {
                if (byRow && afterValues && depth == 0) {
                    current = new long[2];
                }
                depth++;
                i++;
            } else if (c == ')') {
                depth--;
                if (byRow && afterValues && depth == 0 && current != null) {
                    rows.add(current);
                    current = null;
                }
                i++;
            } else if (Character.isLetter(c) || c == '_') {
                int end = i;
                while (end < length && (Character.isLetterOrDigit(sql.charAt(end)) || sql.charAt(end) == '_'
                        || sql.charAt(end) == '$')) {
                    end++;
                }
                if (depth == 0 && end - i == 6 && sql.regionMatches(true, i, "VALUES", 0, 6)) {
                    afterValues = true;
                }
                i = end;
            } else {
                i++;
            }
        }
        if (!byRow) {
            rows.add(current);
        }
        return rows;
    }

    private static String unquote(String token) {
        char c = token.charAt(0);
        if (c == '"' || c == '`' || c == '[') {
            String inner = token.substring(1, token.length() - 1);
            return c == '"' ? inner.replace("\"\"", "\"") : c == '`' ? inner.replace("``", "`") : inner;
        }
        return token;
    }
}
