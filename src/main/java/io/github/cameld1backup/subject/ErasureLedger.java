package io.github.cameld1backup.subject;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.github.cameld1backup.config.BackupSettings;
import io.github.cameld1backup.config.SourceSpec;
import io.github.cameld1backup.config.TargetSpec;
import io.github.cameld1backup.core.BackupProperties;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import org.apache.camel.CamelContext;
import org.apache.camel.Exchange;
import org.apache.camel.spi.DataFormat;
import org.apache.camel.support.DefaultExchange;
import io.github.cameld1backup.store.R2Objects;
import software.amazon.awssdk.services.s3.model.NoSuchKeyException;

/**
 * The erasure ledger of a database: one object beside its backups in the first target
 * ({@code erasures-<database>.ndjson} under the prefix), one line per entry, never rewritten but to
 * append. With encryption on, each line is sealed on its own with the backups' data format (AES-256-GCM,
 * or age to the public recipients, so a backup host without the private key can still append); without,
 * lines are plain JSON that hold no value, only its keyed hashes.
 */
public class ErasureLedger {

    private static final ObjectMapper JSON = new ObjectMapper();

    private final CamelContext context;
    private final R2Objects r2;

    public ErasureLedger(CamelContext context, R2Objects r2) {
        this.context = context;
        this.r2 = r2;
    }

    /** The ledger's object name for a database: its D1 id, or the name its SQLite backups carry. */
    public static String objectName(BackupSettings settings) {
        SourceSpec source = settings.sourceIdentity();
        String identity = source.kind().equals(SourceSpec.D1) ? source.location()
                : settings.backupName().orElse("database");
        return "erasures-" + identity.replaceAll("[^A-Za-z0-9._-]", "_") + ".ndjson";
    }

    /** Where the ledger is, for messages: the target and object name. */
    public static String describe(BackupSettings settings) {
        return settings.primaryTarget().locationOf(objectName(settings));
    }

    /** Every entry, oldest first; none when there is no ledger yet. */
    public List<ErasureEntry> read(BackupSettings settings) throws Exception {
        byte[] content = fetch(settings);
        List<ErasureEntry> entries = new ArrayList<>();
        if (content == null) {
            return entries;
        }
        int n = 0;
        for (String line : new String(content, StandardCharsets.UTF_8).split("\n")) {
            n++;
            if (line.isBlank()) {
                continue;
            }
            try {
                ObjectNode node = (ObjectNode) JSON.readTree(line);
                entries.add(node.has("sealed") ? unseal(settings, node) : JSON.treeToValue(node, ErasureEntry.class));
            } catch (Exception e) {
                throw new IllegalStateException("the erasure ledger " + describe(settings) + " cannot be read at line " + n
                        + ": " + e.getMessage() + " (an erasure that cannot be read cannot be applied, so nothing is"
                        + " restored without it)", e);
            }
        }
        return entries;
    }

    /**
     * Appends an entry: the ledger is read, the sealed line added and the object written back whole (small: a
     * line an erasure), then read again to check the entry is there (two appends at once: one retries).
     */
    public void append(BackupSettings settings, ErasureEntry entry) throws Exception {
        String line = seal(settings, entry);
        for (int attempt = 1; ; attempt++) {
            byte[] before = fetch(settings);
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            if (before != null) {
                out.write(before);
                if (before.length > 0 && before[before.length - 1] != '\n') {
                    out.write('\n');
                }
            }
            out.write((line + "\n").getBytes(StandardCharsets.UTF_8));
            store(settings, out.toByteArray());
            if (read(settings).stream().anyMatch(e -> e.id().equals(entry.id())) || attempt == 3) {
                return;
            }
        }
    }

    private String seal(BackupSettings settings, ErasureEntry entry) throws Exception {
        byte[] plain = JSON.writeValueAsBytes(entry);
        String scheme = settings.encryption();
        if (scheme.equals("none")) {
            return new String(plain, StandardCharsets.UTF_8);
        }
        ByteArrayOutputStream sealed = new ByteArrayOutputStream();
        format(scheme).marshal(exchange(settings), new ByteArrayInputStream(plain), sealed);
        ObjectNode node = JSON.createObjectNode();
        node.put("encryption", scheme);
        node.put("sealed", Base64.getEncoder().encodeToString(sealed.toByteArray()));
        return JSON.writeValueAsString(node);
    }

    private ErasureEntry unseal(BackupSettings settings, ObjectNode node) throws Exception {
        String scheme = node.path("encryption").asText();
        byte[] sealed = Base64.getDecoder().decode(node.path("sealed").asText());
        Exchange exchange = exchange(settings);
        Object plain = format(scheme).unmarshal(exchange, new ByteArrayInputStream(sealed));
        try (InputStream in = context.getTypeConverter().mandatoryConvertTo(InputStream.class, exchange, plain)) {
            return JSON.readValue(in, ErasureEntry.class);
        }
    }

    private DataFormat format(String scheme) {
        String bean = switch (scheme) {
            case "aes-256-gcm" -> "aesGcmFormat";
            case "age" -> "ageFormat";
            default -> throw new IllegalStateException("unknown encryption '" + scheme + "' in the erasure ledger");
        };
        return context.getRegistry().lookupByNameAndType(bean, DataFormat.class);
    }

    private Exchange exchange(BackupSettings settings) {
        Exchange exchange = new DefaultExchange(context);
        exchange.setProperty(BackupProperties.SETTINGS, settings); // the database's own keys
        return exchange;
    }

    private byte[] fetch(BackupSettings settings) throws IOException {
        TargetSpec target = settings.primaryTarget();
        String name = objectName(settings);
        if (target.kind().equals(TargetSpec.FILE)) {
            Path file = Path.of(target.location(), name);
            return Files.exists(file) ? Files.readAllBytes(file) : null;
        }
        try {
            return r2.read(target.location(), target.prefix() + name);
        } catch (NoSuchKeyException e) {
            return null;
        }
    }

    private void store(BackupSettings settings, byte[] content) throws IOException {
        TargetSpec target = settings.primaryTarget();
        String name = objectName(settings);
        if (target.kind().equals(TargetSpec.FILE)) {
            Path dir = Path.of(target.location());
            Files.createDirectories(dir);
            Path temp = Files.createTempFile(dir, ".partial-", "-" + name);
            Files.write(temp, content);
            Files.move(temp, dir.resolve(name), StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } else {
            r2.put(target.location(), target.prefix() + name, "application/x-ndjson", content);
        }
    }
}
