package io.github.cameld1backup.format;

import java.io.IOException;
import java.io.InterruptedIOException;
import java.io.OutputStream;
import java.util.ArrayDeque;
import java.util.Arrays;
import java.util.Deque;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Future;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.zip.CRC32;
import java.util.zip.Deflater;

/**
 * gzip compressed by several threads at once, as pigz does: the input is cut into blocks, each block
 * is deflated on the executor (primed with the 32 KiB before it, so the ratio stays that of one
 * stream) and ended with a sync flush, and the blocks are written in order. The result is one
 * ordinary gzip member that gunzip, zcat and {@code GZIPInputStream} read. At most a few blocks per
 * thread are in flight, so memory does not grow with the input. Not thread-safe: one writer.
 */
final class ParallelGzipOutputStream extends OutputStream {

    static final int BLOCK_BYTES = 1 << 19;
    private static final int WINDOW_BYTES = 1 << 15;
    private static final byte[] HEADER = {0x1f, (byte) 0x8b, Deflater.DEFLATED, 0, 0, 0, 0, 0, 0, (byte) 0xff};

    private final OutputStream out;
    private final ExecutorService executor;
    private final int maxInFlight;
    private final int level;
    private final Deque<Future<byte[]>> inFlight = new ArrayDeque<>();
    private final CRC32 crc = new CRC32();
    private byte[] block = new byte[BLOCK_BYTES];
    private int filled;
    /** The last 32 KiB of the block before: the window the next block may refer back into. */
    private byte[] window;
    private long length;
    private boolean finished;

    ParallelGzipOutputStream(OutputStream out, ExecutorService executor, int threads, int level) throws IOException {
        this.out = out;
        this.executor = executor;
        this.level = level;
        this.maxInFlight = 2 * Math.max(1, threads);
        out.write(HEADER);
    }

    @Override
    public void write(int b) throws IOException {
        write(new byte[] {(byte) b}, 0, 1);
    }

    @Override
    public void write(byte[] b, int off, int len) throws IOException {
        if (finished) {
            throw new IOException("the gzip stream is finished");
        }
        while (len > 0) {
            int n = Math.min(len, block.length - filled);
            System.arraycopy(b, off, block, filled, n);
            filled += n;
            off += n;
            len -= n;
            if (filled == block.length) {
                submit();
            }
        }
    }

    /** Compresses what is left, then writes the last block and the trailer; leaves the stream open. */
    void finish() throws IOException {
        if (finished) {
            return;
        }
        if (filled > 0) {
            submit();
        }
        while (!inFlight.isEmpty()) {
            emitOldest();
        }
        finished = true;
        Deflater last = new Deflater(level, true);
        try {
            last.finish(); // an empty final block closes the deflate stream the sync-flushed blocks began
            byte[] end = new byte[16];
            out.write(end, 0, last.deflate(end));
        } finally {
            last.end();
        }
        long value = crc.getValue();
        out.write(new byte[] {(byte) value, (byte) (value >> 8), (byte) (value >> 16), (byte) (value >> 24),
            (byte) length, (byte) (length >> 8), (byte) (length >> 16), (byte) (length >> 24)});
    }

    /** After a failure: blocks not yet compressed are dropped, nothing more is written. */
    void abort() {
        finished = true;
        inFlight.forEach(f -> f.cancel(true));
        inFlight.clear();
    }

    @Override
    public void flush() throws IOException {
        out.flush();
    }

    @Override
    public void close() throws IOException {
        finish();
        out.close();
    }

    private void submit() throws IOException {
        byte[] input = block;
        int size = filled;
        byte[] dictionary = window;
        crc.update(input, 0, size);
        length += size;
        window = Arrays.copyOfRange(input, Math.max(0, size - WINDOW_BYTES), size);
        if (executor.isShutdown()) { // a stopping pool may drop the task without a word: its result would never come
            abort();
            throw new IOException("compression stopped: the application is stopping");
        }
        try {
            inFlight.add(executor.submit(() -> deflate(input, size, dictionary)));
        } catch (RejectedExecutionException e) {
            abort();
            throw new IOException("compression stopped: " + e.getMessage(), e);
        }
        block = new byte[BLOCK_BYTES];
        filled = 0;
        while (inFlight.size() > maxInFlight || (!inFlight.isEmpty() && inFlight.peek().isDone())) {
            emitOldest();
        }
    }

    private void emitOldest() throws IOException {
        Future<byte[]> oldest = inFlight.remove();
        try {
            while (true) {
                try {
                    out.write(oldest.get(1, TimeUnit.SECONDS));
                    return;
                } catch (TimeoutException e) {
                    if (executor.isTerminated() && !oldest.isDone()) { // dropped by a pool forced to stop
                        abort();
                        throw new IOException("compression stopped: the application is stopping");
                    }
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            abort();
            throw new InterruptedIOException("interrupted while compressing");
        } catch (ExecutionException e) {
            abort();
            throw new IOException("compression failed: " + e.getCause().getMessage(), e.getCause());
        }
    }

    private byte[] deflate(byte[] input, int size, byte[] dictionary) {
        Deflater deflater = new Deflater(level, true);
        try {
            if (dictionary != null) {
                deflater.setDictionary(dictionary);
            }
            deflater.setInput(input, 0, size);
            byte[] output = new byte[size / 2 + 64];
            int written = 0;
            while (true) {
                int space = output.length - written;
                int n = deflater.deflate(output, written, space, Deflater.SYNC_FLUSH);
                written += n;
                if (n < space) { // flushed: the whole block is out, ending on a byte boundary
                    return Arrays.copyOf(output, written);
                }
                output = Arrays.copyOf(output, output.length * 2);
            }
        } finally {
            deflater.end();
        }
    }
}
