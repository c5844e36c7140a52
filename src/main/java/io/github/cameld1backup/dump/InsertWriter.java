package io.github.cameld1backup.dump;

import io.github.cameld1backup.schema.Column;
import io.github.cameld1backup.schema.Table;
import io.github.cameld1backup.sql.SqlDumpWriter;
import io.github.cameld1backup.sql.SqlText;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;

/**
 * Writes a table's rows as multi-row INSERTs, each statement within the writer's size limit.
 * A row too large for one statement has its largest values built up piece by piece elsewhere first
 * (see {@link #oversizedRow}), each piece within the limit.
 */
public final class InsertWriter {

    /**
     * Where a value too large for one statement is built up: a table of the dump's own, created and
     * dropped around each such row (no type, so no affinity touches the pieces; no constraint either),
     * named so unless the database has a table of that name (see {@link #stagingTable}).
     */
    public static final String STAGING = "_camel_d1_backup_staging";

    private final SqlDumpWriter out;
    private final Table table;
    private final String prefix;
    private final byte[] prefixBytes;
    /** What follows the rows of every INSERT: an incremental's upsert clause, or nothing. */
    private final String suffix;
    private final byte[] suffixBytes;
    /** The rows of the statement being built, {@code (..),(..)} in UTF-8. */
    private byte[] pending = new byte[1 << 13];
    private int pendingBytes;
    private long rows;

    /** The staging table's name, quoted. */
    private final String staging;

    InsertWriter(SqlDumpWriter out, Table table, String staging) {
        this(out, table, staging, "");
    }

    /** A writer whose INSERTs end in {@code suffix} (an upsert clause: rows of an incremental replace the parent's). */
    InsertWriter(SqlDumpWriter out, Table table, String staging, String suffix) {
        this.out = out;
        this.suffix = suffix;
        this.suffixBytes = SqlText.utf8(suffix);
        this.table = table;
        this.staging = staging;
        List<String> columnSql = new ArrayList<>();
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
        if (prefixBytes.length + tuple.length + suffixBytes.length > out.room()) {
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
        if (prefixBytes.length + tuple.length + suffixBytes.length > out.room() || !SqlValue.asQuoted(tuple)) {
            row(SqlValue.splitTuple(tuple).stream().map(SqlValue::normalise).toList());
        } else {
            append(tuple);
        }
    }

    private void append(byte[] tuple) {
        int limit = out.room(); // less the terminating semicolon and the line break in front
        if (pendingBytes > 0 && prefixBytes.length + pendingBytes + 1 + tuple.length + suffixBytes.length > limit) {
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
            out.insert(prefixBytes, pending, pendingBytes, suffixBytes);
            pendingBytes = 0;
        }
    }

    long rows() {
        return rows;
    }

    /** The staging table for a dump of {@code tables}: {@link #STAGING}, lengthened while a table has the name. */
    static String stagingTable(List<Table> tables) {
        String name = STAGING;
        while (nameTaken(tables, name)) {
            name += "_";
        }
        return SqlText.identifier(name);
    }

    private static boolean nameTaken(List<Table> tables, String name) {
        return tables.stream().anyMatch(t -> t.name().equalsIgnoreCase(name));
    }

    /**
     * A row larger than one statement: each of its largest values is first built up piece by piece in a
     * staging table of the dump's own, then the row goes in whole, those values read from there. So the
     * row meets its table's CHECK, UNIQUE and type affinity once, as it is, never half-built; the staging
     * table is dropped again.
     */
    private void oversizedRow(List<String> literals) {
        List<String> inserted = new ArrayList<>(literals);
        List<Integer> bySize = new ArrayList<>();
        for (int i = 0; i < literals.size(); i++) {
            bySize.add(i);
        }
        bySize.sort(Comparator.comparingInt((Integer i) -> literals.get(i).length()).reversed());
        List<Integer> staged = new ArrayList<>();
        int limit = out.room();
        for (int i : bySize) {
            if (prefixBytes.length + SqlText.utf8Length("(" + String.join(",", inserted) + ")") + suffixBytes.length <= limit) {
                break;
            }
            if (!SqlValue.splittable(literals.get(i))) {
                throw new IllegalStateException("a row of " + table.name() + " cannot be written in statements of "
                        + out.maxStatementBytes() + " bytes");
            }
            staged.add(i);
            inserted.set(i, "(SELECT v FROM " + staging + " WHERE n = " + staged.size() + ")");
        }
        out.statement("CREATE TABLE IF NOT EXISTS " + staging + "(n INTEGER PRIMARY KEY, v)");
        for (int k = 0; k < staged.size(); k++) {
            String literal = literals.get(staged.get(k));
            String where = " WHERE n = " + (k + 1);
            String update = "UPDATE " + staging + " SET v = ";
            int room = out.room() - SqlText.utf8Length(update + SqlValue.append("v", literal, "") + where);
            List<String> pieces = SqlValue.pieces(literal, room);
            out.statement("INSERT INTO " + staging + "(n, v) VALUES(" + (k + 1) + ", " + pieces.get(0) + ")");
            for (String piece : pieces.subList(1, pieces.size())) {
                out.statement(update + SqlValue.append("v", literal, piece) + where);
            }
        }
        out.statement(prefix + "(" + String.join(",", inserted) + ")" + suffix);
        out.statement("DROP TABLE " + staging);
    }
}
