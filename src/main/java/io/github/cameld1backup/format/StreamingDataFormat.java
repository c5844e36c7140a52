package io.github.cameld1backup.format;

import java.io.InputStream;
import java.io.OutputStream;
import org.apache.camel.Exchange;
import org.apache.camel.converter.stream.CachedOutputStream;
import org.apache.camel.spi.DataFormat;
import org.apache.camel.spi.DataFormatName;
import org.apache.camel.support.service.ServiceSupport;

/**
 * Base of the project's data formats: they read the body as a stream and write a stream, so a
 * dump of any size passes through in constant memory (Camel spools what they write to disk once
 * it passes the stream-cache threshold).
 */
abstract class StreamingDataFormat extends ServiceSupport implements DataFormat, DataFormatName {

    @Override
    public final void marshal(Exchange exchange, Object graph, OutputStream stream) throws Exception {
        try (InputStream in = exchange.getContext().getTypeConverter().mandatoryConvertTo(InputStream.class, exchange, graph)) {
            encode(in, stream);
        }
    }

    @Override
    public final Object unmarshal(Exchange exchange, InputStream stream) throws Exception {
        // Decoded into a stream cache first: for authenticated formats nothing is handed on before
        // the whole input has been checked.
        CachedOutputStream out = new CachedOutputStream(exchange);
        decode(stream, out);
        out.close();
        return out.newStreamCache();
    }

    protected abstract void encode(InputStream in, OutputStream out) throws Exception;

    protected abstract void decode(InputStream in, OutputStream out) throws Exception;
}
