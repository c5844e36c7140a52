package io.github.cameld1backup.dump;

import io.github.cameld1backup.sql.SqlText;
import java.io.BufferedWriter;
import java.io.Closeable;
import java.io.IOException;
import java.io.OutputStream;
import java.io.OutputStreamWriter;
import java.io.UncheckedIOException;
import java.io.Writer;
import java.nio.charset.StandardCharsets;

/** Writes a dump statement by statement, refusing any statement longer than the configured limit. */
public final class SqlDumpWriter implements Closeable {

    private final OutputStream raw;
    private final Writer out;
    private final int maxStatementBytes;
    private long bytes;
    private long statements;

    public SqlDumpWriter(OutputStream out, int maxStatementBytes) {
        this.raw = out;
        this.out = new BufferedWriter(new OutputStreamWriter(out, StandardCharsets.UTF_8), 1 << 16);
        this.maxStatementBytes = maxStatementBytes;
    }

    public int maxStatementBytes() {
        return maxStatementBytes;
    }

    /** Writes one statement; {@code sql} has no terminating semicolon. */
    public void statement(CharSequence sql) {
        int size = SqlText.utf8Length(sql) + 1;
        if (size > maxStatementBytes) {
            throw new IllegalStateException("statement of " + size + " bytes exceeds the limit of "
                    + maxStatementBytes + ": " + SqlText.abbreviate(sql.toString()));
        }
        write(sql);
        write(";\n");
        bytes += size + 1;
        statements++;
    }

    /**
     * A multi-row INSERT whose parts' UTF-8 sizes the caller already counted: written as they are,
     * without measuring or copying them again (the hot path of a dump).
     */
    void insert(String prefix, int prefixBytes, CharSequence rows, int rowsBytes) {
        int size = prefixBytes + rowsBytes + 1;
        if (size > maxStatementBytes) {
            throw new IllegalStateException("statement of " + size + " bytes exceeds the limit of " + maxStatementBytes);
        }
        write(prefix);
        write(rows);
        write(";\n");
        bytes += size + 1;
        statements++;
    }

    /** A {@code --} comment line; newlines in the text are folded so the comment cannot end early. */
    public void comment(String text) {
        String line = "-- " + text.replace('\r', ' ').replace('\n', ' ') + "\n";
        write(line);
        bytes += SqlText.utf8Length(line);
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
        out.flush();
    }

    /** Flushes what this writer holds and answers the stream under it: another writer's bytes may follow. */
    OutputStream flushedStream() throws IOException {
        out.flush();
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

    private final char[] chunk = new char[1 << 13];

    private void write(CharSequence s) {
        try {
            if (s instanceof String string) {
                out.write(string);
                return;
            }
            // Writer.append would copy a StringBuilder whole (toString) before writing it.
            for (int start = 0, n = s.length(); start < n; start += chunk.length) {
                int end = Math.min(n, start + chunk.length);
                if (s instanceof StringBuilder sb) {
                    sb.getChars(start, end, chunk, 0);
                } else {
                    for (int i = start; i < end; i++) {
                        chunk[i - start] = s.charAt(i);
                    }
                }
                out.write(chunk, 0, end - start);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Override
    public void close() throws IOException {
        out.close();
    }
}
