package io.github.cameld1backup.schema;

import io.github.cameld1backup.sql.SqlText;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A table to dump: its CREATE statement, columns, and how to page through it by key.
 *
 * <p>Rowid tables are paged by rowid and keep their rowids (a table without an INTEGER PRIMARY
 * KEY still has rowids that FTS content, triggers or applications may rely on). WITHOUT ROWID
 * tables are paged by their primary key, in the key's own order and collations.
 */
public record Table(
        SchemaObject object,
        List<Column> columns,
        boolean withoutRowid,
        List<KeyPart> primaryKey,
        String rowidAlias,
        List<String> parents,
        boolean dataExcluded,
        RowidSpan rowidSpan) {

    public Table(SchemaObject object, List<Column> columns, boolean withoutRowid, List<KeyPart> primaryKey,
                 String rowidAlias, List<String> parents, RowidSpan rowidSpan) {
        this(object, columns, withoutRowid, primaryKey, rowidAlias, parents, false, rowidSpan);
    }

    /** How a virtual table's contents come back on restore. */
    public enum DataMode {
        /** INSERT the rows. */
        ROWS,
        /** External-content full-text index: rebuilt from its content table after the data. */
        REBUILD,
        /** Contentless full-text index: the text is not stored, so there is nothing to copy. */
        NONE,
        /** Left out by backup.exclude: the table is recreated empty. */
        EXCLUDED
    }

    private static final Pattern MODULE = Pattern.compile("(?is)\\bUSING\\s+([A-Za-z0-9_]+)");
    private static final Pattern OPTION = Pattern.compile("(?s)([A-Za-z_][A-Za-z0-9_]*)\\s*=(.*)");

    public String name() {
        return object.name();
    }

    public boolean isVirtual() {
        return object.sql() != null && object.sql().regionMatches(true, 0, "CREATE VIRTUAL", 0, 14);
    }

    /** Lower-case module name of a virtual table (fts5, rtree, ...), empty for ordinary tables. */
    public String module() {
        return moduleOf(object.sql());
    }

    /** Lower-case module name in a CREATE VIRTUAL TABLE statement; empty for anything else. */
    static String moduleOf(String createSql) {
        if (createSql == null || !createSql.regionMatches(true, 0, "CREATE VIRTUAL", 0, 14)) {
            return "";
        }
        Matcher m = MODULE.matcher(createSql);
        return m.find() ? m.group(1).toLowerCase(Locale.ROOT) : "";
    }

    /**
     * The arguments of a CREATE VIRTUAL TABLE's module, as the module sees them: split at the commas of
     * the outer parentheses, quoted text and nested parentheses kept whole, comments dropped. Empty for
     * anything else.
     */
    static List<String> moduleArguments(String createSql) {
        List<String> out = new ArrayList<>();
        if (moduleOf(createSql).isEmpty()) {
            return out;
        }
        int open = createSql.indexOf('(', MODULE.matcher(createSql).results().findFirst().orElseThrow().end());
        if (open < 0) {
            return out;
        }
        StringBuilder argument = new StringBuilder();
        int depth = 0;
        for (int i = open + 1; i < createSql.length(); i++) {
            char c = createSql.charAt(i);
            if (c == '\'' || c == '"' || c == '`' || c == '[') {
                char close = c == '[' ? ']' : c;
                int end = i + 1;
                while (end < createSql.length()) { // a doubled quote stays inside
                    if (createSql.charAt(end) == close) {
                        if (close != ']' && end + 1 < createSql.length() && createSql.charAt(end + 1) == close) {
                            end += 2;
                            continue;
                        }
                        break;
                    }
                    end++;
                }
                argument.append(createSql, i, Math.min(end + 1, createSql.length()));
                i = end;
            } else if (c == '-' && i + 1 < createSql.length() && createSql.charAt(i + 1) == '-') {
                int end = createSql.indexOf('\n', i);
                i = end < 0 ? createSql.length() : end;
                argument.append(' ');
            } else if (c == '/' && i + 1 < createSql.length() && createSql.charAt(i + 1) == '*') {
                int end = createSql.indexOf("*/", i + 2);
                i = end < 0 ? createSql.length() : end + 1;
                argument.append(' ');
            } else if (c == '(') {
                depth++;
                argument.append(c);
            } else if (c == ')' && depth == 0) {
                break;
            } else if (c == ')') {
                depth--;
                argument.append(c);
            } else if (c == ',' && depth == 0) {
                out.add(argument.toString().trim());
                argument.setLength(0);
            } else {
                argument.append(c);
            }
        }
        out.add(argument.toString().trim());
        return out;
    }

    /** The value of a module option given as {@code key = value} (as FTS takes them), if given. */
    static Optional<String> moduleOption(String createSql, String key) {
        for (String argument : moduleArguments(createSql)) {
            Matcher m = OPTION.matcher(argument);
            if (m.matches() && m.group(1).equalsIgnoreCase(key)) {
                return Optional.of(m.group(2).trim());
            }
        }
        return Optional.empty();
    }

    public boolean isFullText() {
        return module().startsWith("fts");
    }

    /** The same table, its rows left out of the backup (backup.exclude). */
    public Table withDataExcluded() {
        return new Table(object, columns, withoutRowid, primaryKey, rowidAlias, parents, true, rowidSpan);
    }

    public DataMode dataMode() {
        if (dataExcluded) {
            return DataMode.EXCLUDED;
        }
        if (!isFullText()) {
            return DataMode.ROWS;
        }
        Optional<String> content = moduleOption(object.sql(), "content");
        if (content.isEmpty()) {
            return DataMode.ROWS;
        }
        boolean empty = content.get().equals("''") || content.get().equals("\"\"");
        return empty ? DataMode.NONE : DataMode.REBUILD;
    }

    /** Whether rowid is written explicitly: yes unless an INTEGER PRIMARY KEY already carries it. */
    public boolean writesRowid() {
        if (withoutRowid || rowidAlias != null) {
            return false;
        }
        // R-tree's first column is its rowid; other non-FTS modules may not accept an explicit rowid.
        return !isVirtual() || isFullText();
    }

    /**
     * The name by which the rowid is read: one of rowid, _rowid_, oid that no column has taken,
     * else the INTEGER PRIMARY KEY column.
     */
    public Optional<String> rowidName() {
        if (withoutRowid) {
            return Optional.empty();
        }
        for (String candidate : List.of("rowid", "_rowid_", "oid")) {
            if (columns.stream().noneMatch(c -> c.name().equalsIgnoreCase(candidate))) {
                return Optional.of(candidate);
            }
        }
        return Optional.ofNullable(rowidAlias).map(SqlText::identifier);
    }

    public List<Column> insertableColumns() {
        return columns.stream().filter(Column::insertable).toList();
    }
}
