package io.github.cameld1backup.format;

import java.io.InputStream;
import java.io.OutputStream;
import java.util.zip.GZIPInputStream;
import java.util.zip.GZIPOutputStream;

/** gzip, readable by {@code gunzip}. Named {@code d1-gzip} (Camel's own gzip module is not served at 4.18). */
public class GzipDataFormat extends StreamingDataFormat {

    @Override
    public String getDataFormatName() {
        return "d1-gzip";
    }

    @Override
    protected void encode(InputStream in, OutputStream out) throws Exception {
        GZIPOutputStream gzip = new GZIPOutputStream(out, 1 << 16);
        in.transferTo(gzip);
        gzip.finish();
    }

    @Override
    protected void decode(InputStream in, OutputStream out) throws Exception {
        new GZIPInputStream(in, 1 << 16).transferTo(out);
    }
}
