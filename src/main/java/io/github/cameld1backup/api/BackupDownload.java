package io.github.cameld1backup.api;

import io.github.cameld1backup.config.BackupSettings;
import io.github.cameld1backup.config.TargetSpec;
import io.github.cameld1backup.core.ApiException;
import io.github.cameld1backup.core.BackupProperties;
import io.github.cameld1backup.store.BackupListing;
import io.github.cameld1backup.model.BackupNames;
import io.github.cameld1backup.store.R2Objects;
import io.github.cameld1backup.model.Manifest;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import org.apache.camel.Exchange;
import org.apache.camel.ExchangeProperty;
import org.apache.camel.Header;
import org.apache.camel.Message;

/**
 * Bean behind {@code GET /api/backup/{name}}: only a name that is a backup of this target (it has
 * a manifest) is served; anything else (paths, encodings, other prefixes) is 400 or 404.
 */
public class BackupDownload {

    private final BackupListing listing;
    private final R2Objects r2;

    public BackupDownload(BackupListing listing, R2Objects r2) {
        this.listing = listing;
        this.r2 = r2;
    }

    public void validateName(@Header("name") String name) {
        if (!BackupNames.valid(name)) {
            throw new ApiException(400, "not a backup name");
        }
    }

    /** Streams a backup of the first target of the database the request names. */
    public void stream(@Header("name") String name,
                       @ExchangeProperty(BackupProperties.SETTINGS) BackupSettings settings,
                       Exchange exchange) throws IOException {
        validateName(name);
        TargetSpec target = settings.primaryTarget();
        boolean known = listing.listFor(target, settings).stream().map(Manifest::object).anyMatch(name::equals);
        if (!known) {
            throw new ApiException(404, "no such backup");
        }
        InputStream body;
        long length;
        if (target.kind().equals(TargetSpec.FILE)) {
            Path file = Path.of(target.location()).resolve(name);
            length = Files.size(file);
            body = Files.newInputStream(file);
        } else {
            // aws2-s3's getObject: the response stream is handed on, read as the client reads
            var response = r2.open(target.location(), target.prefix() + name);
            length = response.response().contentLength();
            body = response;
        }
        Message m = exchange.getMessage();
        m.removeHeaders("*");
        m.setHeader(Exchange.HTTP_RESPONSE_CODE, 200);
        m.setHeader(Exchange.CONTENT_TYPE, BackupNames.contentType(name));
        m.setHeader(Exchange.CONTENT_LENGTH, length);
        m.setHeader("Content-Disposition", "attachment; filename=\"" + name + "\"");
        m.setHeader("Cache-Control", "no-store");
        m.setHeader("X-Content-Type-Options", "nosniff");
        m.setBody(body);
    }
}
