package io.github.cameld1backup.sql;

import java.io.Closeable;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;

/**
 * Writes a dump statement by statement, refusing any statement longer than the configured limit.
 * Works in UTF-8 bytes: rows come from SQLite as bytes and go to the dump as they are.
 *
 * <p>The limit is counted as D1 counts it: D1 splits a script with a {@code sqlite3_prepare_v3} loop,
 * and SQLite's length limit covers every byte the parser takes for a statement, from the end of the
 * previous statement's semicolon through its own: the line break in front of it and any comment too.
 * So each statement's check includes that leading text. Comments are allowed only at the very top of
 * a dump (a header, counted in the first statement); in front of the data a comment would belong to the
 * next statement, and at the end it would leave D1 a remainder without a statement, which fails the
 * whole request.
 */
public final class SqlDumpWriter implements Closeable {

    private static final byte[] STATEMENT_END = {';', '\n'};
    /** What the next statement has in front of it after a statement: the line break that ends the line. */
    private static final int AFTER_STATEMENT = 1;

    private final OutputStream raw;
    private final byte[] buffer = new byte[1 << 16];
    private int buffered;
    private final int maxStatementBytes;
    private long bytes;
    private long statements;
    private boolean closed;
    /** Whether this writer holds a part of a dump that joins it after a statement (see {@link TableParts}). */
    private final boolean part;
    /**
     * Bytes written since the last statement's semicolon: the text D1's splitter puts in front of the
     * next statement, which counts toward that statement's limit.
     */
    private int lead;

    public SqlDumpWriter(OutputStream out, int maxStatementBytes) {
        this(out, maxStatementBytes, false);
    }

    private SqlDumpWriter(OutputStream out, int maxStatementBytes, boolean part) {
        this.raw = out;
        this.maxStatementBytes = maxStatementBytes;
        this.part = part;
        this.lead = part ? AFTER_STATEMENT : 0;
    }

    /** A writer for a part of a dump that joins it after one of its statements (see {@link TableParts}). */
    public static SqlDumpWriter part(OutputStream out, int maxStatementBytes) {
        return new SqlDumpWriter(out, maxStatementBytes, true);
    }

    public int maxStatementBytes() {
        return maxStatementBytes;
    }

    /**
     * How many bytes the next statement's text may have, without its semicolon and the text in front
     * of it (after a statement, the line break).
     */
    public int room() {
        return maxStatementBytes - lead - 1;
    }

    /** Writes one statement; {@code sql} has no terminating semicolon. */
    public void statement(CharSequence sql) {
        byte[] utf8 = SqlText.utf8(sql.toString());
        long size = (long) lead + utf8.length + 1;
        if (size > maxStatementBytes) {
            throw tooLong(size, SqlText.abbreviate(sql.toString()));
        }
        write(utf8, utf8.length);
        ended(utf8.length);
    }

    /** A multi-row INSERT: its prefix ({@code INSERT INTO t(..) VALUES}) and the first {@code rowsBytes} bytes of its rows. */
    public void insert(byte[] prefix, byte[] rows, int rowsBytes) {
        insert(prefix, rows, rowsBytes, new byte[0]);
    }

    /** A multi-row INSERT followed by {@code suffix} (an upsert clause). */
    public void insert(byte[] prefix, byte[] rows, int rowsBytes, byte[] suffix) {
        long size = (long) lead + prefix.length + rowsBytes + suffix.length + 1;
        if (size > maxStatementBytes) {
            throw tooLong(size, SqlText.abbreviate(new String(prefix, StandardCharsets.UTF_8)));
        }
        write(prefix, prefix.length);
        write(rows, rowsBytes);
        write(suffix, suffix.length);
        ended(prefix.length + rowsBytes + suffix.length);
    }

    private IllegalStateException tooLong(long size, String sql) {
        return new IllegalStateException("statement of " + size + " bytes (" + lead + " of them in front of it)"
                + " exceeds the limit of " + maxStatementBytes + ": " + sql);
    }

    /** Ends the statement just written ({@code length} bytes without the semicolon). */
    private void ended(int length) {
        write(STATEMENT_END, 2);
        bytes += length + 2;
        statements++;
        lead = AFTER_STATEMENT;
    }

    /**
     * A {@code --} comment line of the dump's header: only at the very top of a dump, before its first
     * statement, which it counts toward. Newlines in the text are folded so the comment cannot end
     * early; quotes, backquotes, brackets and semicolons are taken out, since a quote in a comment has
     * broken D1's remote parser. Callers keep names (database, table, column) out of it: they may hold
     * anything.
     */
    public void comment(String text) {
        if (part || statements > 0) {
            throw new IllegalStateException("a comment after the dump's first statement would belong to the next"
                    + " statement: comments are for the header only");
        }
        StringBuilder clean = new StringBuilder(text.length());
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            switch (c) {
                case '\'', '"', '`' -> { }
                case ';' -> clean.append(',');
                case '[' -> clean.append('(');
                case ']' -> clean.append(')');
                default -> clean.append(Character.isISOControl(c) ? ' ' : c);
            }
        }
        byte[] line = SqlText.utf8("-- " + clean + "\n");
        write(line, line.length);
        bytes += line.length;
        lead += line.length;
    }

    public long bytes() {
        return bytes;
    }

    public long statements() {
        return statements;
    }

    /** What a part holds, written out (a table dumped on its own; see {@link TableParts}). */
    public interface Content {
        void transferTo(OutputStream target) throws IOException;
    }

    /** Appends what another writer wrote, now held in {@code content}. */
    public void append(SqlDumpWriter part, Content content) throws IOException {
        content.transferTo(flushedStream());
        count(part);
    }

    /** Passes on what this writer holds (a table's part may wait here for room: call it holding no lock). */
    public void flush() throws IOException {
        drain();
        raw.flush();
    }

    /** Flushes what this writer holds and answers the stream under it: another writer's bytes may follow. */
    public OutputStream flushedStream() throws IOException {
        if (lead > AFTER_STATEMENT) {
            // A part counts only a line break in front of its first statement.
            throw new IllegalStateException("a part of the dump would follow " + lead + " bytes of text in front of"
                    + " a statement");
        }
        flush();
        return raw;
    }

    /** Counts the statements another writer put straight into this one's stream. */
    public void count(SqlDumpWriter part) {
        bytes += part.bytes;
        statements += part.statements;
        if (part.bytes > 0) {
            lead = part.lead; // the dump now ends as the part does
        }
    }

    /** A stream that a reader consumes as it is written, and that can be ended as broken (the dump pipe's sink). */
    public interface Abortable {
        void abort() throws IOException;
    }

    /** Closes the dump as broken: anything reading it as it is written fails rather than seeing an end. */
    public void abort() throws IOException {
        if (raw instanceof Abortable sink) {
            sink.abort();
        }
        close();
    }

    private void write(byte[] data, int length) {
        try {
            if (length > buffer.length - buffered) {
                drain();
                if (length >= buffer.length) { // a whole statement: no copy
                    raw.write(data, 0, length);
                    return;
                }
            }
            System.arraycopy(data, 0, buffer, buffered, length);
            buffered += length;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private void drain() throws IOException {
        if (buffered > 0) {
            raw.write(buffer, 0, buffered);
            buffered = 0;
        }
    }

    @Override
    public void close() throws IOException {
        if (closed) {
            return;
        }
        closed = true;
        try {
            drain();
        } finally {
            raw.close();
        }
    }
}
