package io.github.cameld1backup.format;

import java.io.InputStream;
import java.io.OutputStream;
import java.util.concurrent.ExecutorService;
import java.util.zip.GZIPInputStream;

/**
 * gzip, readable by {@code gunzip}: compressed on {@code threads} threads of the executor (see
 * {@link ParallelGzipOutputStream}), so compression keeps up with a dump written on several cores.
 * Named {@code d1-gzip} (Camel's own gzip module is not served at 4.18).
 */
public class GzipDataFormat extends StreamingDataFormat {

    private final ExecutorService executor;
    private final int threads;
    private final int level;

    /** {@code level}: deflate's, 1 (fastest) to 9 (smallest). */
    public GzipDataFormat(ExecutorService executor, int threads, int level) {
        this.executor = executor;
        this.threads = threads;
        this.level = level;
    }

    @Override
    public String getDataFormatName() {
        return "d1-gzip";
    }

    @Override
    protected void encode(InputStream in, OutputStream out) throws Exception {
        ParallelGzipOutputStream gzip = new ParallelGzipOutputStream(out, executor, threads, level);
        try {
            in.transferTo(gzip);
            gzip.finish();
        } catch (Exception | Error e) {
            gzip.abort();
            throw e;
        }
    }

    @Override
    protected void decode(InputStream in, OutputStream out) throws Exception {
        new GZIPInputStream(in, 1 << 16).transferTo(out);
    }
}
