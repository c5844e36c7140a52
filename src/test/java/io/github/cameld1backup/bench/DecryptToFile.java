package io.github.cameld1backup.bench;

import io.github.cameld1backup.format.AesGcmDataFormat;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.zip.GZIPInputStream;
import org.apache.camel.impl.DefaultCamelContext;
import org.apache.camel.support.DefaultExchange;

/** For benchmarks: a .sql.gz.enc backup to plain SQL, through the project's own data formats. */
public final class DecryptToFile {

    public static void main(String[] args) throws Exception {
        try (var camel = new DefaultCamelContext()) {
            camel.getStreamCachingStrategy().setSpoolEnabled(true);
            camel.setStreamCaching(true);
            camel.start();
            var exchange = new DefaultExchange(camel);
            Object plain;
            try (InputStream in = Files.newInputStream(Path.of(args[0]))) {
                plain = new AesGcmDataFormat(args[2]).unmarshal(exchange, in);
            }
            try (InputStream gz = new GZIPInputStream(camel.getTypeConverter().convertTo(InputStream.class, plain))) {
                Files.copy(gz, Path.of(args[1]), java.nio.file.StandardCopyOption.REPLACE_EXISTING);
            }
        }
    }
}
