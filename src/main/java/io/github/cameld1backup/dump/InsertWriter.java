package io.github.cameld1backup.dump;

import io.github.cameld1backup.schema.Column;
import io.github.cameld1backup.schema.Table;
import io.github.cameld1backup.sql.SqlText;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;

/**
 * Writes a table's rows as multi-row INSERTs, each statement within the writer's size limit.
 * A row too large for one statement is inserted with its largest values empty, then those values
 * are appended piece by piece with {@code UPDATE ... SET c = c || piece}, each piece within the limit.
 */
public final class InsertWriter {

    private final SqlDumpWriter out;
    private final Table table;
    private final List<String> columnSql = new ArrayList<>();
    private final String prefix;
    private final byte[] prefixBytes;
    /** The rows of the statement being built, {@code (..),(..)} in UTF-8. */
    private byte[] pending = new byte[1 << 13];
    private int pendingBytes;
    private long rows;

    InsertWriter(SqlDumpWriter out, Table table) {
        this.out = out;
        this.table = table;
        if (table.writesRowid()) {
            columnSql.add(table.rowidName().orElseThrow());
        }
        for (Column c : table.insertableColumns()) {
            columnSql.add(SqlText.identifier(c.name()));
        }
        this.prefix = "INSERT INTO " + SqlText.identifier(table.name()) + "(" + String.join(",", columnSql) + ") VALUES";
        this.prefixBytes = SqlText.utf8(prefix);
    }

    /** One row: literals in the order of the INSERT's column list. */
    void row(List<String> literals) {
        StringBuilder built = new StringBuilder(64);
        built.append('(');
        for (int i = 0; i < literals.size(); i++) {
            if (i > 0) {
                built.append(',');
            }
            built.append(literals.get(i));
        }
        byte[] tuple = SqlText.utf8(built.append(')').toString());
        if (prefixBytes.length + tuple.length > out.maxStatementBytes() - 1) {
            flush();
            oversizedRow(literals);
            rows++;
        } else {
            append(tuple);
        }
    }

    /**
     * One row as SQLite formatted it, {@code (v1,v2,...)} in UTF-8 in the order of the INSERT's column
     * list: copied as it is. A row too large for one statement, or holding a literal that is not
     * written as quote() prints it (see {@link SqlValue#asQuoted}), takes the way of {@link #row} value by value.
     */
    void tuple(byte[] tuple) {
        if (prefixBytes.length + tuple.length > out.maxStatementBytes() - 1 || !SqlValue.asQuoted(tuple)) {
            row(SqlValue.splitTuple(tuple).stream().map(SqlValue::normalise).toList());
        } else {
            append(tuple);
        }
    }

    private void append(byte[] tuple) {
        int limit = out.maxStatementBytes() - 1; // the terminating semicolon
        if (pendingBytes > 0 && prefixBytes.length + pendingBytes + 1 + tuple.length > limit) {
            flush();
        }
        int needed = pendingBytes + 1 + tuple.length;
        if (needed > pending.length) {
            pending = Arrays.copyOf(pending, Math.max(needed, pending.length * 2));
        }
        if (pendingBytes > 0) {
            pending[pendingBytes++] = ',';
        }
        System.arraycopy(tuple, 0, pending, pendingBytes, tuple.length);
        pendingBytes += tuple.length;
        rows++;
    }

    void flush() {
        if (pendingBytes > 0) {
            out.insert(prefixBytes, pending, pendingBytes);
            pendingBytes = 0;
        }
    }

    long rows() {
        return rows;
    }

    private void oversizedRow(List<String> literals) {
        String where = keyCondition(literals);
        List<String> inserted = new ArrayList<>(literals);
        List<Integer> bySize = new ArrayList<>();
        for (int i = 0; i < literals.size(); i++) {
            bySize.add(i);
        }
        bySize.sort(Comparator.comparingInt((Integer i) -> literals.get(i).length()).reversed());
        List<Integer> deferred = new ArrayList<>();
        int limit = out.maxStatementBytes() - 1;
        for (int i : bySize) {
            if (prefixBytes.length + SqlText.utf8Length("(" + String.join(",", inserted) + ")") <= limit) {
                break;
            }
            if (!SqlValue.splittable(literals.get(i)) || keyColumns().contains(i)) {
                throw new IllegalStateException("a row of " + table.name() + " cannot be written in statements of "
                        + out.maxStatementBytes() + " bytes: its key or a number is too large");
            }
            inserted.set(i, SqlValue.empty(literals.get(i)));
            deferred.add(i);
        }
        out.statement(prefix + "(" + String.join(",", inserted) + ")");
        String target = "UPDATE " + SqlText.identifier(table.name()) + " SET ";
        for (int i : deferred) {
            String column = columnSql.get(i);
            String literal = literals.get(i);
            String shell = target + column + " = " + SqlValue.append(column, literal, "") + " WHERE " + where;
            int room = limit - SqlText.utf8Length(shell);
            for (String piece : SqlValue.pieces(literal, room)) {
                out.statement(target + column + " = " + SqlValue.append(column, literal, piece) + " WHERE " + where);
            }
        }
    }

    /** Positions (in the INSERT list) of the columns that identify a row. */
    private List<Integer> keyColumns() {
        List<Integer> positions = new ArrayList<>();
        if (table.writesRowid()) {
            positions.add(0);
        } else if (table.withoutRowid()) {
            table.primaryKey().forEach(k -> positions.add(columnSql.indexOf(SqlText.identifier(k.column()))));
        } else if (table.rowidAlias() != null) {
            positions.add(columnSql.indexOf(SqlText.identifier(table.rowidAlias())));
        }
        return positions;
    }

    private String keyCondition(List<String> literals) {
        List<Integer> keys = keyColumns();
        if (keys.isEmpty()) {
            throw new IllegalStateException("a row of " + table.name() + " is larger than one statement and the"
                    + " table has no key to append the rest by");
        }
        List<String> parts = new ArrayList<>();
        for (int i : keys) {
            parts.add(columnSql.get(i) + " = " + literals.get(i));
        }
        return String.join(" AND ", parts);
    }
}
