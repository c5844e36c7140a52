package io.github.cameld1backup.format;

import io.github.cameld1backup.config.BackupSettings;
import io.github.cameld1backup.core.BackupProperties;
import java.io.InputStream;
import java.io.OutputStream;
import java.security.DigestOutputStream;
import java.security.MessageDigest;
import java.util.HexFormat;
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
        // Hashed on the way out: the last format of a chain writes the stored object, whose checksum
        // the manifest needs (BackupProperties.ENCODED_SHA256).
        MessageDigest sha256 = MessageDigest.getInstance("SHA-256");
        try (InputStream in = exchange.getContext().getTypeConverter().mandatoryConvertTo(InputStream.class, exchange, graph)) {
            DigestOutputStream hashed = new DigestOutputStream(stream, sha256);
            forDatabase(exchange).encode(in, hashed);
            hashed.flush();
        }
        exchange.setProperty(BackupProperties.ENCODED_SHA256, HexFormat.of().formatHex(sha256.digest()));
    }

    @Override
    public final Object unmarshal(Exchange exchange, InputStream stream) throws Exception {
        // Decoded into a stream cache first: for authenticated formats nothing is handed on before
        // the whole input has been checked.
        CachedOutputStream out = new CachedOutputStream(exchange);
        forDatabase(exchange).decode(stream, out);
        out.close();
        return out.newStreamCache();
    }

    /**
     * The format for the database the exchange is for: keys may be set per database, so a format
     * with keys answers one made from that database's settings; this one outside a request.
     */
    StreamingDataFormat forDatabase(Exchange exchange) {
        BackupSettings settings = exchange.getProperty(BackupProperties.SETTINGS, BackupSettings.class);
        return settings == null ? this : forSettings(settings);
    }

    /** This format as the given settings configure it; formats without keys are the same for every database. */
    StreamingDataFormat forSettings(BackupSettings settings) {
        return this;
    }

    protected abstract void encode(InputStream in, OutputStream out) throws Exception;

    protected abstract void decode(InputStream in, OutputStream out) throws Exception;
}
