package io.github.cameld1backup.api;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.github.cameld1backup.model.Manifest;
import io.github.cameld1backup.store.Listing;
import java.util.LinkedHashMap;
import java.util.Map;
import org.apache.camel.Body;

/**
 * Bean that turns a {@link Listing} into {@code GET /api/backup}'s answer: each manifest as stored,
 * with {@code kind} always there ({@code full} for manifests written before incrementals) and
 * {@code parent} the object name an incremental applies on top of (null for a full backup).
 */
public class ListedBackups {

    private static final TypeReference<LinkedHashMap<String, Object>> FIELDS = new TypeReference<>() {
    };
    private final ObjectMapper json = new ObjectMapper();

    /** {@code {"backups": [...], "skipped": [{"name", "reason"}, ...]}}: the listing, and the manifests left out of it. */
    public Map<String, Object> entries(@Body Listing listing) {
        Map<String, Object> answer = new LinkedHashMap<>();
        answer.put("backups", listing.backups().stream().map(this::entry).toList());
        answer.put("skipped", listing.skipped());
        return answer;
    }

    private Map<String, Object> entry(Manifest m) {
        Map<String, Object> fields = json.convertValue(m, FIELDS);
        fields.put("kind", m.incremental() ? Manifest.INCREMENTAL : Manifest.FULL);
        fields.put("parent", m.incremental() && m.parent() != null ? m.parent().object() : null);
        return fields;
    }
}
