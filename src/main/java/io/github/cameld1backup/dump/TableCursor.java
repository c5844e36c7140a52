package io.github.cameld1backup.dump;

import io.github.cameld1backup.config.PageSizing;
import io.github.cameld1backup.schema.Column;
import io.github.cameld1backup.schema.KeyPart;
import io.github.cameld1backup.schema.Table;
import io.github.cameld1backup.source.D1Calls;
import io.github.cameld1backup.source.QueryResult;
import io.github.cameld1backup.source.SqlBatch;
import io.github.cameld1backup.sql.SqlText;
import java.nio.charset.Charset;
import java.util.ArrayList;
import java.util.List;

/**
 * Keyset paging through one table: {@code WHERE key > last ORDER BY key LIMIT n}, never OFFSET, so
 * every row is read once. Pages are sized by bytes: after each page the row limit is set from the
 * bytes per row seen so far, so narrow rows come in large pages and wide rows in small ones.
 *
 * <p>Every value is selected as an SQL literal ({@code quote()}), which is exact where D1's JSON
 * is not (integers above 2^53, REAL bits, BLOBs); text holding NUL, which {@code quote()} cuts
 * short, is selected as {@code CAST(X'..' AS TEXT)}. The last key is sent back as a literal too,
 * so it compares with the stored key exactly, whatever its type.
 */
public final class TableCursor implements D1Calls.Smaller {

    private final Table table;
    private final PageSizing sizing;
    private final String selectList;
    /** D1 only: the select list that hands over each value too long to quote whole in pieces (see {@link #smaller}). */
    private final String piecesSelectList;
    private final int valueCount;
    /** Whether pages use {@link #piecesSelectList}: since a row of this table was too large for D1 to answer. */
    private boolean pieces;
    private final String orderBy;
    private final int keyColumns;
    private final List<Integer> keyValuePositions = new ArrayList<>();
    /** Whether the source builds each row's whole {@code (v1,v2,...)} tuple (see the constructor). */
    private final boolean tuples;
    /** Tuples of a rowid table that open with the rowid: the next page's key is read from the tuple. */
    private final boolean keyLeadsTuple;
    /** The incremental's condition on the rows (null: every row). */
    private final Watermark watermark;
    /** Ordered watermark pages: the watermark of the last row read, as a literal (null: none read yet). */
    private String lastWatermark;
    /** The segment's last rowid (null: the table's end). */
    private final Long through;
    private List<String> lastKey;
    private boolean more;
    private int limit;
    /** The most rows a page may ask for: lowered for good when D1 found a page too large. */
    private int ceiling = Integer.MAX_VALUE;
    private long rows;
    private long literalBytes;
    private long pages;

    /**
     * A cursor over one segment of a table (see {@link TableSegment}). With {@code tuples} (a local SQLite
     * file) SQLite formats each row's whole INSERT tuple, so the values cross from SQLite to Java as one
     * string a row instead of one a value (the costly part of a local dump). D1 keeps one value a column:
     * its JSON caps string sizes.
     */
    public TableCursor(TableSegment segment, PageSizing sizing, boolean tuples) {
        this(segment, sizing, tuples, null);
    }

    /**
     * An incremental's condition on a table: rows whose {@code column} is at least {@code from} (an SQL
     * literal), read in the {@code order} that makes D1 read only those rows where it can.
     */
    public record Watermark(String column, String from, Order order) {
    }

    public enum Order {
        /** The column is the rowid (an INTEGER PRIMARY KEY): pages seek from the watermark in rowid order. */
        ROWID,
        /**
         * An index starts with the column and it holds no NULL: pages go in the column's order, then the
         * rowid's, and D1 reads only the rows at or above the watermark.
         */
        INDEX,
        /** No such index: pages go in rowid order and every row is looked at (NULLs are taken too). */
        SCAN
    }

    /** A cursor that reads only the rows at or above {@code watermark} (null: every row). */
    public TableCursor(TableSegment segment, PageSizing sizing, boolean tuples, Watermark watermark) {
        this.watermark = watermark;
        this.table = segment.table();
        if (watermark != null && watermark.order() == Order.INDEX && (segment.after() != null || segment.through() != null)) {
            throw new IllegalArgumentException("a table read in its watermark's order is read in one segment");
        }
        this.tuples = tuples;
        List<Column> values = table.insertableColumns();
        this.keyLeadsTuple = tuples && !table.withoutRowid() && (table.writesRowid()
                || (table.rowidAlias() != null && !values.isEmpty() && values.get(0).name().equals(table.rowidAlias())));
        this.sizing = sizing;
        this.limit = sizing.initialRows();
        this.more = table.dataMode() == Table.DataMode.ROWS;
        this.through = segment.through();
        if (segment.after() != null) {
            lastKey = List.of(Long.toString(segment.after()));
        }
        List<String> select = new ArrayList<>();
        if (table.withoutRowid()) {
            keyColumns = 0;
            List<String> order = new ArrayList<>();
            for (KeyPart k : table.primaryKey()) {
                int pos = indexOf(values, k.column());
                if (pos < 0) {
                    throw new IllegalStateException("primary key column " + k.column() + " of " + table.name()
                            + " is not an ordinary column");
                }
                keyValuePositions.add(pos);
                order.add(keyExpression(k) + (k.descending() ? " DESC" : ""));
            }
            orderBy = String.join(", ", order);
        } else {
            String rowid = table.rowidName().orElseThrow(() -> new IllegalStateException(
                    "table " + table.name() + " has columns named rowid, _rowid_ and oid and no INTEGER PRIMARY KEY:"
                            + " its rows cannot be addressed"));
            keyColumns = 1;
            select.add("quote(" + rowid + ") AS k0");
            orderBy = qualified(rowid);
        }
        this.valueCount = values.size();
        if (tuples) {
            this.selectList = tupleSelect(values);
            this.piecesSelectList = null;
            return;
        }
        List<String> inPieces = new ArrayList<>(select);
        for (int i = 0; i < values.size(); i++) {
            String column = SqlText.identifier(values.get(i).name());
            select.add(valueExpression(column) + " AS v" + i);
            inPieces.addAll(valueInPieces(column, i));
        }
        this.selectList = String.join(", ", select);
        this.piecesSelectList = String.join(", ", inPieces);
    }

    /** Bytes of a value a piece: quote() makes a piece 1,800,003 characters, under D1's 2,000,000-byte strings. */
    private static final int PIECE_BYTES = 900_000;
    /** Pieces a value: D1 keeps at most 2,000,000 bytes a row, so three pieces hold any value it has. */
    private static final int PIECES = 3;

    /**
     * A value D1 could not quote whole (its literal would pass D1's 2,000,000-byte string limit: a BLOB or
     * text of over 900,000 bytes) as a marker, B or T (no literal is a bare letter), then its bytes in
     * {@link #PIECES} literals; any other value as {@link #valueExpression}, its pieces NULL.
     */
    private static List<String> valueInPieces(String column, int i) {
        String big = "length(CAST(" + column + " AS BLOB)) > " + PIECE_BYTES;
        List<String> out = new ArrayList<>();
        out.add("CASE WHEN " + big + " THEN CASE WHEN " + column + " COLLATE BINARY >= X'' THEN 'B' ELSE 'T' END ELSE "
                + valueExpression(column) + " END AS v" + i);
        for (int p = 0; p < PIECES; p++) {
            out.add("CASE WHEN " + big + " THEN quote(substr(CAST(" + column + " AS BLOB), " + (1 + p * PIECE_BYTES) + ", "
                    + PIECE_BYTES + ")) END AS v" + i + "p" + p);
        }
        return out;
    }

    /** A row of a {@link #piecesSelectList} page in the layout of a plain one: each marked value's pieces joined. */
    private List<Object> joined(List<Object> row) {
        List<Object> out = new ArrayList<>(keyColumns + valueCount);
        out.addAll(row.subList(0, keyColumns));
        for (int v = 0, at = keyColumns; v < valueCount; v++, at += 1 + PIECES) {
            Object value = row.get(at);
            if ("B".equals(value) || "T".equals(value)) {
                StringBuilder hex = new StringBuilder();
                for (int p = 1; p <= PIECES; p++) {
                    String piece = QueryResult.text(row.get(at + p)); // X'..'
                    if (piece != null) {
                        hex.append(piece, 2, piece.length() - 1);
                    }
                }
                out.add("B".equals(value) ? "X'" + hex + "'" : "CAST(X'" + hex + "' AS TEXT)");
            } else {
                out.add(value);
            }
        }
        return out;
    }

    /**
     * The key the next page starts after (k0, k1, ...: a rowid as the integer it is, other keys as literals;
     * none when the tuple opens with the rowid), then the row's INSERT tuple (t). Literals come as their
     * UTF-8 bytes, never decoded (text need not be valid UTF-8), see {@link #utf8Bytes}.
     */
    private String tupleSelect(List<Column> values) {
        List<String> keys = new ArrayList<>();
        List<String> parts = new ArrayList<>();
        if (table.withoutRowid()) {
            for (int pos : keyValuePositions) {
                String column = SqlText.identifier(values.get(pos).name());
                keys.add(utf8Bytes(valueExpression(column)) + " AS k" + keys.size());
            }
        } else {
            String rowid = table.rowidName().orElseThrow();
            if (!keyLeadsTuple) {
                keys.add(rowid + " AS k0");
            }
            if (table.writesRowid()) {
                parts.add("quote(" + rowid + ")");
            }
        }
        values.forEach(c -> parts.add(valueExpression(SqlText.identifier(c.name()))));
        String tuple = "concat('(', " + (parts.isEmpty() ? "''" : concatenated(parts)) + ", ')')";
        keys.add(utf8Bytes(tuple) + " AS t");
        return String.join(", ", keys);
    }

    /** Values and separators a concat() call takes (SQLite builds before 3.48 take at most 127 arguments). */
    private static final int CONCAT_ARGUMENTS = 100;

    /**
     * {@code a, ',', b, ...} as concat()'s arguments, one string built per call where a chain of {@code ||}
     * copies the growing tuple at every value; a wide table's (a SQLite file may have 2000 columns) as
     * nested calls of at most {@value #CONCAT_ARGUMENTS} arguments.
     */
    private static String concatenated(List<String> values) {
        int perCall = CONCAT_ARGUMENTS / 2;
        if (values.size() <= perCall) {
            return String.join(", ',', ", values);
        }
        List<String> calls = new ArrayList<>();
        for (int from = 0; from < values.size(); from += perCall) {
            calls.add("concat(" + String.join(", ',', ", values.subList(from, Math.min(values.size(), from + perCall))) + ")");
        }
        return concatenated(calls);
    }

    /**
     * Text as its bytes (a BLOB) where the database keeps UTF-8, as D1's always does. A database kept in
     * UTF-16 would hand over UTF-16 bytes, so there it comes as text, which JDBC decodes, behind the
     * encoding's name ({@link #utf8}). The encoding is told by how 'a' is stored, not by pragma_encoding,
     * a name a table of the database could take.
     */
    private static String utf8Bytes(String text) {
        return "CASE CAST('a' AS BLOB) WHEN X'61' THEN CAST(" + text + " AS BLOB) WHEN X'6100' THEN 'UTF-16LE ' || "
                + text + " ELSE 'UTF-16BE ' || " + text + " END";
    }

    /**
     * A key literal as {@link #utf8Bytes} selected it, for the next page's condition: as the database spells
     * it, since it is compared there (in a UTF-16 database CAST(X'..' AS TEXT) reads UTF-16 bytes).
     */
    private static String keyLiteral(Object value) {
        if (value instanceof byte[] bytes) {
            return SqlValue.normalise(SqlValue.literal(bytes));
        }
        String named = QueryResult.text(value);
        return named.substring(named.indexOf(' ') + 1);
    }

    /** A tuple as {@link #utf8Bytes} selected it, in UTF-8 for the dump. */
    private static byte[] utf8(Object value) {
        if (value instanceof byte[] bytes) {
            return bytes;
        }
        String named = QueryResult.text(value); // "UTF-16LE (1,'a',...)"
        int space = named.indexOf(' ');
        return SqlValue.hexTextFrom(Charset.forName(named.substring(0, space)), SqlText.utf8(named.substring(space + 1)));
    }

    /** Whether pages hold whole tuples ({@link #acceptTuples}) rather than values ({@link #accept}). */
    public boolean tuples() {
        return tuples;
    }

    /** Takes one page of a tuple cursor; returns its rows' INSERT tuples in UTF-8. */
    public List<byte[]> acceptTuples(QueryResult answer) {
        QueryResult page = withoutWatermark(answer);
        List<byte[]> out = new ArrayList<>(page.rows().size());
        long pageBytes = 0;
        for (List<Object> row : page.rows()) {
            byte[] tuple = utf8(row.get(row.size() - 1));
            pageBytes += tuple.length;
            out.add(tuple);
        }
        if (keyLeadsTuple && !out.isEmpty()) {
            lastKey = List.of(SqlValue.leadingInteger(out.get(out.size() - 1)));
        } else if (!page.rows().isEmpty()) {
            List<Object> last = page.rows().get(page.rows().size() - 1);
            List<String> key = new ArrayList<>();
            for (Object value : last.subList(0, last.size() - 1)) {
                key.add(table.withoutRowid() ? keyLiteral(value) : QueryResult.text(value));
            }
            lastKey = key;
        }
        advance(page.rows().size(), pageBytes);
        return out;
    }

    public Table table() {
        return table;
    }

    public boolean hasMore() {
        return more;
    }

    public long rows() {
        return rows;
    }

    public long pages() {
        return pages;
    }

    public SqlBatch nextPage() {
        if (watermark != null && watermark.order() == Order.INDEX) {
            return watermarkPage();
        }
        StringBuilder sql = new StringBuilder("SELECT ").append(pieces ? piecesSelectList : selectList)
                .append(" FROM ").append(SqlText.identifier(table.name()));
        List<String> conditions = new ArrayList<>();
        if (lastKey != null) {
            conditions.add(after(lastKey));
        }
        if (through != null) {
            conditions.add(orderBy + " <= " + through);
        }
        if (watermark != null && watermark.order() == Order.ROWID) {
            conditions.add(orderBy + " >= " + watermark.from());
        } else if (watermark != null) {
            // Unary + keeps SQLite from reading the rows through an index on the column: the rowid order
            // takes each row once, an index's order would take every changed row each page.
            String column = "+" + qualified(SqlText.identifier(watermark.column()));
            conditions.add("(" + column + " >= " + watermark.from() + " OR " + column + " IS NULL)");
        }
        if (!conditions.isEmpty()) {
            sql.append(" WHERE ").append(String.join(" AND ", conditions));
        }
        sql.append(" ORDER BY ").append(orderBy).append(" LIMIT ").append(limit);
        return SqlBatch.of(sql.toString());
    }

    /**
     * A page in the watermark's order: {@code (column, rowid) > (last column value, last rowid)}, which
     * SQLite seeks in the column's index (it holds the rowid after the column). The column's value leads
     * each row ({@code w0}), dropped again by {@link #withoutWatermark}.
     */
    private SqlBatch watermarkPage() {
        String column = qualified(SqlText.identifier(watermark.column()));
        String condition = lastWatermark == null ? column + " >= " + watermark.from()
                : "(" + column + ", " + orderBy + ") > (" + lastWatermark + ", " + lastKey.get(0) + ")";
        return SqlBatch.of("SELECT quote(" + column + ") AS w0, " + (pieces ? piecesSelectList : selectList)
                + " FROM " + SqlText.identifier(table.name()) + " WHERE " + condition + " ORDER BY " + column + ", "
                + orderBy + " LIMIT " + limit);
    }

    /** A page of {@link #watermarkPage} as a plain one, its last row's watermark kept for the next. */
    private QueryResult withoutWatermark(QueryResult page) {
        if (watermark == null || watermark.order() != Order.INDEX) {
            return page;
        }
        if (!page.rows().isEmpty()) {
            lastWatermark = QueryResult.text(page.rows().get(page.rows().size() - 1).get(0));
        }
        return new QueryResult(page.columns().isEmpty() ? page.columns() : page.columns().subList(1, page.columns().size()),
                page.rows().stream().map(r -> r.subList(1, r.size())).toList());
    }

    /**
     * The page just asked for, with half the rows, for D1 answering that it was too large (out of time,
     * memory or CPU, a string too big for its JSON); later pages stay as small. A page of one row still too
     * large holds a value whose literal passes D1's string limit: it is asked again with such values in
     * pieces, as are the rest of the table's pages (an extra NULL a value for rows without one). Null when
     * there is nothing smaller to ask.
     */
    @Override
    public SqlBatch smaller() {
        if (limit <= 1) {
            if (tuples || pieces) {
                return null;
            }
            pieces = true;
            return nextPage();
        }
        limit = sizing.halved(limit);
        ceiling = limit;
        return nextPage();
    }

    /** Takes one page's answer; returns its rows as literals in INSERT column order. */
    public List<List<String>> accept(QueryResult answer) {
        QueryResult page = withoutWatermark(answer);
        List<List<Object>> rowsOfPage = pieces ? page.rows().stream().map(this::joined).toList() : page.rows();
        List<List<String>> out = new ArrayList<>(rowsOfPage.size());
        long pageBytes = 0;
        for (List<Object> row : rowsOfPage) {
            List<String> literals = new ArrayList<>(row.size());
            for (Object value : row) {
                String literal = SqlValue.normalise(QueryResult.text(value));
                pageBytes += literal.length() + 1;
                literals.add(literal);
            }
            out.add(table.writesRowid() || table.withoutRowid() ? literals : literals.subList(keyColumns, literals.size()));
        }
        if (!rowsOfPage.isEmpty()) {
            List<String> last = literalsOf(rowsOfPage.get(rowsOfPage.size() - 1));
            lastKey = table.withoutRowid()
                    ? keyValuePositions.stream().map(last::get).toList()
                    : List.of(last.get(0));
        }
        advance(page.rows().size(), pageBytes);
        return out;
    }

    private void advance(int pageRows, long pageBytes) {
        rows += pageRows;
        literalBytes += pageBytes;
        pages++;
        more = pageRows >= limit;
        if (rows > 0) {
            limit = Math.min(ceiling, sizing.nextLimit(literalBytes / (double) rows));
        }
    }

    private List<String> literalsOf(List<Object> row) {
        return row.stream().map(v -> SqlValue.normalise(QueryResult.text(v))).toList();
    }

    /** The keyset condition: rows strictly after the last key, in the key's order. */
    private String after(List<String> key) {
        if (!table.withoutRowid()) {
            return orderBy + " > " + key.get(0);
        }
        // The key's collation goes on the value side: a COLLATE on the column side keeps SQLite from
        // seeking in the primary key, and every page would scan the table from its start (rows read
        // quadratic in the table's size, measured on workerd's D1).
        List<KeyPart> parts = table.primaryKey();
        List<String> columns = parts.stream().map(k -> qualified(SqlText.identifier(k.column()))).toList();
        List<String> values = new ArrayList<>();
        for (int i = 0; i < parts.size(); i++) {
            values.add(key.get(i) + " COLLATE " + parts.get(i).collation());
        }
        if (parts.stream().noneMatch(KeyPart::descending)) {
            return "(" + String.join(", ", columns) + ") > (" + String.join(", ", values) + ")";
        }
        // Mixed directions: (k1 > v1) OR (k1 = v1 AND k2 < v2) OR ...
        List<String> alternatives = new ArrayList<>();
        for (int i = 0; i < parts.size(); i++) {
            List<String> terms = new ArrayList<>();
            for (int j = 0; j < i; j++) {
                terms.add(columns.get(j) + " = " + values.get(j));
            }
            terms.add(columns.get(i) + (parts.get(i).descending() ? " < " : " > ") + values.get(i));
            alternatives.add("(" + String.join(" AND ", terms) + ")");
        }
        return "(" + String.join(" OR ", alternatives) + ")";
    }

    private String keyExpression(KeyPart k) {
        return qualified(SqlText.identifier(k.column())) + " COLLATE " + k.collation();
    }

    /**
     * A key column as the page's ORDER BY and WHERE name it: with its table's name, since SQLite takes a
     * bare name in ORDER BY for a result column's alias first (a key column named t or k0 would be).
     */
    private String qualified(String column) {
        return SqlText.identifier(table.name()) + "." + column;
    }

    /**
     * A value as an SQL literal: {@code quote()}, or for text holding NUL (which quote() cuts short)
     * {@code CAST(X'..' AS TEXT)}. Text holding a carriage return (which the sqlite3 shell drops before a
     * newline) is rewritten so on this side, by {@link SqlValue#normalise} or {@link SqlValue#asQuoted}.
     *
     * <p>"Is text" is asked as {@code c >= '' AND c < X''}: SQLite orders every number below every text
     * and every text below every BLOB, and neither literal takes a column's affinity ('' is no number), so
     * this holds for text alone, and costs under half what {@code typeof(c) = 'text'} does.
     * COLLATE BINARY: a column's own collation may be one this reader does not have.
     */
    private static String valueExpression(String column) {
        String binary = column + " COLLATE BINARY";
        return "CASE WHEN " + binary + " >= '' AND " + binary + " < X'' AND instr(" + column + ", char(0)) > 0"
                + " THEN 'CAST(X''' || hex(" + column + ") || ''' AS TEXT)' ELSE quote(" + column + ") END";
    }

    private static int indexOf(List<Column> columns, String name) {
        for (int i = 0; i < columns.size(); i++) {
            if (columns.get(i).name().equals(name)) {
                return i;
            }
        }
        return -1;
    }
}
