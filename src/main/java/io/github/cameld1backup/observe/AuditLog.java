package io.github.cameld1backup.observe;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.github.cameld1backup.store.R2Objects;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.UUID;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One JSON line per backup, restore, verify, prune and refused API request, kept apart from the
 * backups: appended to a file ({@code file:PATH}), or one object per event under a prefix of its
 * own ({@code r2:BUCKET/PREFIX}; objects cannot be appended to). Callers pass only names, sizes,
 * outcomes and addresses; an audit that cannot be written is logged and never fails the operation.
 */
public class AuditLog {

    private static final Logger LOG = LoggerFactory.getLogger(AuditLog.class);
    private static final DateTimeFormatter DAY = DateTimeFormatter.ofPattern("yyyy/MM/dd").withZone(ZoneOffset.UTC);
    private final ObjectMapper json = new ObjectMapper();
    private final String location;
    private final R2Objects r2;

    /** @param location empty: no audit; {@code file:PATH}; {@code r2:BUCKET/PREFIX} (through aws2-s3's putObject) */
    public AuditLog(String location, R2Objects r2) {
        this.location = location == null ? "" : location.trim();
        this.r2 = r2;
        if (!this.location.isEmpty() && !this.location.startsWith("file:") && !this.location.matches("r2:[a-z0-9][a-z0-9-]{1,61}[a-z0-9](/.*)?")) {
            throw new IllegalArgumentException("AUDIT_LOCATION (audit.location) must be file:PATH or r2:BUCKET/PREFIX,"
                    + " got '" + this.location + "'");
        }
    }

    public boolean enabled() {
        return !location.isEmpty();
    }

    /** Records one event: operation (backup, restore, ...), outcome (succeeded, failed, refused) and details. */
    public void record(String operation, String outcome, Map<String, Object> details) {
        if (!enabled()) {
            return;
        }
        Instant now = Instant.now();
        Map<String, Object> event = new LinkedHashMap<>();
        event.put("time", now.toString());
        event.put("operation", operation);
        event.put("outcome", outcome);
        details.forEach((k, v) -> {
            if (v != null) {
                event.put(k, v);
            }
        });
        try {
            String line = json.writeValueAsString(event) + "\n";
            if (location.startsWith("file:")) {
                Path file = Path.of(location.substring(5));
                if (file.getParent() != null) {
                    Files.createDirectories(file.getParent());
                }
                synchronized (this) {
                    Files.writeString(file, line, StandardCharsets.UTF_8, StandardOpenOption.CREATE, StandardOpenOption.APPEND);
                }
            } else {
                String rest = location.substring(3);
                int slash = rest.indexOf('/');
                String bucket = slash < 0 ? rest : rest.substring(0, slash);
                String prefix = slash < 0 ? "" : rest.substring(slash + 1).replaceAll("/?$", "/").replaceAll("^/$", "");
                String key = prefix + DAY.format(now) + "/" + now.toEpochMilli() + "-" + operation + "-"
                        + UUID.randomUUID().toString().substring(0, 8) + ".json";
                r2.put(bucket, key, "application/json", line.getBytes(StandardCharsets.UTF_8));
            }
        } catch (IOException | RuntimeException e) {
            LOG.error("Could not write the audit record of a {} ({}): {}", operation, outcome, e.getMessage());
        }
    }
}
