package io.github.cameld1backup.dump;

import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;

/**
 * Tells a complete dump from one cut short, by how it ends: with {@link SqlDump#END_MARKER} (the
 * statement {@code PRAGMA defer_foreign_keys = on;}) on a line of its own, or, in dumps written by
 * earlier versions, with the comment line {@link SqlDump#LEGACY_END_MARKER}. Backups already stored
 * keep restoring and verifying.
 *
 * <p>Only the end is looked at: a dump cut inside a statement also fails to load, since its last
 * statement is unfinished.
 */
public final class DumpEnd {

    private static final byte[] MARKER = ("\n" + SqlDump.END_MARKER).getBytes(StandardCharsets.UTF_8);
    private static final byte[] LEGACY = ("\n" + SqlDump.LEGACY_END_MARKER).getBytes(StandardCharsets.UTF_8);
    /** Enough of the end to hold either marker and the whitespace after it. */
    private static final int TAIL = 256;

    private DumpEnd() {
    }

    /** Whether a dump held as text ends as a complete dump does. */
    public static boolean complete(String dump) {
        byte[] bytes = dump.getBytes(StandardCharsets.UTF_8);
        return complete(bytes, Math.max(0, bytes.length - TAIL), bytes.length);
    }

    /** Whether the bytes {@code from} to {@code to} are the end of a complete dump. */
    static boolean complete(byte[] data, int from, int to) {
        int end = to;
        while (end > from && (data[end - 1] == '\n' || data[end - 1] == '\r' || data[end - 1] == ' '
                || data[end - 1] == '\t')) {
            end--;
        }
        return endsWith(data, from, end, MARKER) || endsWith(data, from, end, LEGACY);
    }

    private static boolean endsWith(byte[] data, int from, int end, byte[] marker) {
        if (end - from < marker.length) {
            return false;
        }
        for (int i = 0; i < marker.length; i++) {
            if (data[end - marker.length + i] != marker[i]) {
                return false;
            }
        }
        return true;
    }

    /** A stream that passes a dump on and remembers its end, to ask {@link #complete()} once it is read. */
    public static final class Watch extends FilterInputStream {
        private final byte[] ring = new byte[TAIL];
        private long seen;

        public Watch(InputStream in) {
            super(in);
        }

        @Override
        public int read() throws IOException {
            int b = super.read();
            if (b >= 0) {
                ring[(int) (seen++ % TAIL)] = (byte) b;
            }
            return b;
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            int n = in.read(b, off, len);
            for (int i = Math.max(0, n - TAIL); i < n; i++) { // bytes before these are older than the tail
                ring[(int) (seen++ % TAIL)] = b[off + i];
            }
            return n;
        }

        @Override
        public long skip(long n) throws IOException {
            byte[] buffer = new byte[8192];
            long skipped = 0;
            while (skipped < n) {
                int r = read(buffer, 0, (int) Math.min(buffer.length, n - skipped));
                if (r < 0) {
                    break;
                }
                skipped += r;
            }
            return skipped;
        }

        @Override
        public boolean markSupported() {
            return false;
        }

        /** Whether what was read so far ends as a complete dump does. */
        public boolean complete() {
            int length = (int) Math.min(seen, TAIL);
            byte[] tail = new byte[length];
            for (int i = 0; i < length; i++) {
                tail[i] = ring[(int) ((seen - length + i) % TAIL)];
            }
            return DumpEnd.complete(tail, 0, length);
        }
    }
}
