package io.github.cameld1backup.dump;

import io.github.cameld1backup.sql.SqlText;
import java.io.Closeable;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;

/**
 * Writes a dump statement by statement, refusing any statement longer than the configured limit.
 * Works in UTF-8 bytes: rows come from SQLite as bytes and go to the dump as they are.
 */
public final class SqlDumpWriter implements Closeable {

    private static final byte[] STATEMENT_END = {';', '\n'};

    private final OutputStream raw;
    private final byte[] buffer = new byte[1 << 16];
    private int buffered;
    private final int maxStatementBytes;
    private long bytes;
    private long statements;
    private boolean closed;

    public SqlDumpWriter(OutputStream out, int maxStatementBytes) {
        this.raw = out;
        this.maxStatementBytes = maxStatementBytes;
    }

    public int maxStatementBytes() {
        return maxStatementBytes;
    }

    /** Writes one statement; {@code sql} has no terminating semicolon. */
    public void statement(CharSequence sql) {
        byte[] utf8 = SqlText.utf8(sql.toString());
        int size = utf8.length + 1;
        if (size > maxStatementBytes) {
            throw new IllegalStateException("statement of " + size + " bytes exceeds the limit of "
                    + maxStatementBytes + ": " + SqlText.abbreviate(sql.toString()));
        }
        write(utf8, utf8.length);
        write(STATEMENT_END, 2);
        bytes += size + 1;
        statements++;
    }

    /** A multi-row INSERT: its prefix ({@code INSERT INTO t(..) VALUES}) and the first {@code rowsBytes} bytes of its rows. */
    void insert(byte[] prefix, byte[] rows, int rowsBytes) {
        int size = prefix.length + rowsBytes + 1;
        if (size > maxStatementBytes) {
            throw new IllegalStateException("statement of " + size + " bytes exceeds the limit of " + maxStatementBytes);
        }
        write(prefix, prefix.length);
        write(rows, rowsBytes);
        write(STATEMENT_END, 2);
        bytes += size + 1;
        statements++;
    }

    /** A {@code --} comment line; newlines in the text are folded so the comment cannot end early. */
    public void comment(String text) {
        byte[] line = SqlText.utf8("-- " + text.replace('\r', ' ').replace('\n', ' ') + "\n");
        write(line, line.length);
        bytes += line.length;
    }

    public long bytes() {
        return bytes;
    }

    public long statements() {
        return statements;
    }

    /** What a part holds, written out (a table dumped on its own; see {@link TableParts}). */
    interface Content {
        void transferTo(OutputStream target) throws IOException;
    }

    /** Appends what another writer wrote, now held in {@code content}. */
    void append(SqlDumpWriter part, Content content) throws IOException {
        content.transferTo(flushedStream());
        count(part);
    }

    /** Passes on what this writer holds (a table's part may wait here for room: call it holding no lock). */
    void flush() throws IOException {
        drain();
        raw.flush();
    }

    /** Flushes what this writer holds and answers the stream under it: another writer's bytes may follow. */
    OutputStream flushedStream() throws IOException {
        flush();
        return raw;
    }

    /** Counts the statements another writer put straight into this one's stream. */
    void count(SqlDumpWriter part) {
        bytes += part.bytes;
        statements += part.statements;
    }

    /** Closes the dump as broken: anything reading it as it is written fails rather than seeing an end. */
    public void abort() throws IOException {
        if (raw instanceof DumpPipe.Sink sink) {
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
