package io.github.cameld1backup.subject;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonInclude;
import java.util.List;
import java.util.Map;

/**
 * One entry of the erasure ledger: a data subject to erase from every restore of this database's backups.
 * The value never appears: {@code hashes} are its keyed hashes (HMAC-SHA256 of the value as given and as
 * stored), {@code policies} and {@code references} the FK closure in force when it was recorded, so later
 * restores erase the same rows whatever the settings are then.
 */
@JsonIgnoreProperties(ignoreUnknown = true)
@JsonInclude(JsonInclude.Include.NON_NULL)
public record ErasureEntry(String id, String time, String requestedBy, String table, String column, List<String> hashes,
                           Map<String, String> policies, List<String> references) {

    /** {@code table.column}: what the entry matches on, without the value. */
    public String predicate() {
        return table + "." + column;
    }

    /** Whether this entry stands for the subject of {@code predicate} (its value hashed with {@code key}). */
    public boolean covers(SubjectPredicate predicate, SubjectKey key) {
        return table.equalsIgnoreCase(predicate.table()) && column.equalsIgnoreCase(predicate.column())
                && hashes.contains(key.hash(predicate.value()));
    }
}
