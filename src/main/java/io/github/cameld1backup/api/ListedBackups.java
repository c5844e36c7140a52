package io.github.cameld1backup.api;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.github.cameld1backup.model.Manifest;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.camel.Body;

/**
 * Bean that turns the listed manifests into {@code GET /api/backup}'s entries: each manifest as stored,
 * with {@code kind} always there ({@code full} for manifests written before incrementals) and
 * {@code parent} the object name an incremental applies on top of (null for a full backup).
 */
public class ListedBackups {

    private static final TypeReference<LinkedHashMap<String, Object>> FIELDS = new TypeReference<>() {
    };
    private final ObjectMapper json = new ObjectMapper();

    public List<Map<String, Object>> entries(@Body List<Manifest> manifests) {
        return manifests.stream().map(this::entry).toList();
    }

    private Map<String, Object> entry(Manifest m) {
        Map<String, Object> fields = json.convertValue(m, FIELDS);
        fields.put("kind", m.incremental() ? Manifest.INCREMENTAL : Manifest.FULL);
        fields.put("parent", m.incremental() && m.parent() != null ? m.parent().object() : null);
        return fields;
    }
}
