package io.github.cameld1backup.subject;

import java.util.Locale;
import java.util.Objects;
import java.util.Set;
import java.util.stream.Collectors;

/** How the subject's own rows are recognised in a database: by the value, or by its keyed hash. */
public sealed interface SubjectMatch permits SubjectMatch.ByValue, SubjectMatch.ByHash {

    String table();

    String column();

    default String label() {
        return table() + "." + column();
    }

    /** {@code column = value}, the value a bound parameter (SQLite applies the column's affinity to it). */
    record ByValue(SubjectPredicate predicate) implements SubjectMatch {

        public ByValue {
            Objects.requireNonNull(predicate, "predicate");
        }

        @Override
        public String table() {
            return predicate.table();
        }

        @Override
        public String column() {
            return predicate.column();
        }
    }

    /**
     * Rows whose {@code CAST(column AS TEXT)} hashes with {@code key} to one of {@code hashes}: how an
     * erasure ledger, which keeps hashes and never values, is applied. The hashes are lower-case hex.
     */
    record ByHash(String table, String column, Set<String> hashes, SubjectKey key) implements SubjectMatch {

        public ByHash {
            Objects.requireNonNull(table, "table");
            Objects.requireNonNull(column, "column");
            Objects.requireNonNull(key, "key");
            hashes = hashes.stream().map(h -> h.toLowerCase(Locale.ROOT)).collect(Collectors.toUnmodifiableSet());
        }
    }
}
