package io.github.cameld1backup.dump;

import io.github.cameld1backup.sql.SqlDumpWriter;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.util.Arrays;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * A bounded pipe from the thread writing the dump to the thread compressing and encrypting it, so
 * both run at once (on two cores) and the plain SQL never goes to disk. At most {@code chunks} chunks
 * of {@code chunkBytes} wait in it, so memory stays bounded. Either side giving up ends the other:
 * a reader that stops makes writes fail, and a writer that {@link Sink#abort() aborts} makes reads
 * fail, so no half dump is ever encoded as if it were whole. (java.io's piped streams poll once a
 * second and cannot tell an abort from an end.)
 */
public final class DumpPipe {

    private static final byte[] END = new byte[0];
    private static final byte[] ABORT = new byte[0];

    private final BlockingQueue<byte[]> queue;
    private final int chunkBytes;
    private final Sink sink = new Sink();
    private final Source source = new Source();
    private volatile boolean readerClosed;
    /** Why the reader stopped, when it failed: the writer's error then names it, not just the stop. */
    private volatile Throwable readerFailure;

    public DumpPipe(int chunkBytes, int chunks) {
        this.chunkBytes = chunkBytes;
        this.queue = new ArrayBlockingQueue<>(chunks);
    }

    public Sink sink() {
        return sink;
    }

    public Source source() {
        return source;
    }

    /** The writing end: {@link #close()} marks a complete stream, {@link #abort()} a broken one. */
    public final class Sink extends OutputStream implements SqlDumpWriter.Abortable {
        private byte[] chunk = new byte[chunkBytes];
        private int filled;
        private boolean closed;

        @Override
        public void write(int b) throws IOException {
            ensureOpen();
            if (filled == chunk.length) {
                send();
            }
            chunk[filled++] = (byte) b;
        }

        @Override
        public void write(byte[] b, int off, int len) throws IOException {
            ensureOpen();
            while (len > 0) {
                if (filled == chunk.length) {
                    send();
                }
                int n = Math.min(len, chunk.length - filled);
                System.arraycopy(b, off, chunk, filled, n);
                filled += n;
                off += n;
                len -= n;
            }
        }

        private void ensureOpen() throws IOException {
            if (closed) {
                throw new IOException("the dump's pipe is closed");
            }
        }

        private void send() throws IOException {
            put(filled == chunk.length ? chunk : Arrays.copyOf(chunk, filled));
            chunk = new byte[chunkBytes];
            filled = 0;
        }

        @Override
        public void close() throws IOException {
            if (!closed) {
                if (filled > 0) {
                    send();
                }
                closed = true;
                put(END);
            }
        }

        /** Ends the stream as broken: the reader fails instead of seeing an end. */
        @Override
        public void abort() {
            if (!closed) {
                closed = true;
                queue.clear();
                try {
                    put(ABORT);
                } catch (IOException ignored) {
                    // the reader has gone already
                }
            }
        }

        private void put(byte[] item) throws IOException {
            try {
                while (!queue.offer(item, 100, TimeUnit.MILLISECONDS)) {
                    if (readerClosed) {
                        throw stopped();
                    }
                }
                if (readerClosed && item != END && item != ABORT) {
                    throw stopped();
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IOException("interrupted while writing the dump", e);
            }
        }

        private IOException stopped() {
            Throwable cause = readerFailure;
            return cause == null ? new IOException("compression or encryption of the dump stopped")
                    : new IOException("compression or encryption of the dump failed: " + cause.getMessage(), cause);
        }
    }

    /** The reading end. */
    public final class Source extends InputStream {
        private byte[] chunk = new byte[0];
        private int pos;
        private boolean ended;

        @Override
        public int read() throws IOException {
            return next() ? chunk[pos++] & 0xff : -1;
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            if (len == 0) {
                return 0;
            }
            if (!next()) {
                return -1;
            }
            int n = Math.min(len, chunk.length - pos);
            System.arraycopy(chunk, pos, b, off, n);
            pos += n;
            return n;
        }

        private boolean next() throws IOException {
            while (!ended && pos == chunk.length) {
                if (readerClosed) {
                    throw new IOException("pipe closed");
                }
                byte[] item;
                try {
                    item = queue.take();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new IOException("interrupted while reading the dump", e);
                }
                if (item == ABORT) {
                    throw new IOException("the dump was cut short");
                }
                if (item == END) {
                    ended = true;
                } else {
                    chunk = item;
                    pos = 0;
                }
            }
            return !ended;
        }

        @Override
        public void close() {
            readerClosed = true;
            queue.clear();
        }

        /** Closes the reading end because the reader failed: the writer's next write fails with this cause. */
        public void fail(Throwable cause) {
            readerFailure = cause;
            close();
        }
    }
}
