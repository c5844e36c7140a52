package io.github.cameld1backup.subject;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * How far a subject reaches and what erasing does: references the schema does not declare
 * ({@code subject.references}), policies per table ({@code subject.policy.TABLE}, keyed by table name,
 * matched as SQLite matches names), and the most rows a request may touch without --force
 * ({@code subject.max.rows}).
 */
public record SubjectSettings(List<SubjectReference> references, Map<String, SubjectPolicy> policies, int maxRows) {

    public static final int DEFAULT_MAX_ROWS = 1000;

    public SubjectSettings {
        references = List.copyOf(references);
        policies = Map.copyOf(policies);
        if (maxRows < 1) {
            throw new IllegalArgumentException("subject.max.rows must be at least 1, not " + maxRows);
        }
        Map<String, String> folded = new LinkedHashMap<>();
        for (String table : policies.keySet()) {
            String earlier = folded.put(SubjectNames.fold(table), table);
            if (earlier != null) {
                throw new IllegalArgumentException("subject.policy." + earlier + " and subject.policy." + table
                        + " name the same table");
            }
        }
    }

    public static SubjectSettings defaults() {
        return new SubjectSettings(List.of(), Map.of(), DEFAULT_MAX_ROWS);
    }

    /** The policy for a table, its name matched as SQLite matches names. */
    public Optional<SubjectPolicy> policyFor(String table) {
        return policies.entrySet().stream().filter(e -> SubjectNames.same(e.getKey(), table))
                .map(Map.Entry::getValue).findFirst();
    }
}
