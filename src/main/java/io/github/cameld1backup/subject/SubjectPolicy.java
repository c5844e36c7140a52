package io.github.cameld1backup.subject;

import java.util.List;
import java.util.Locale;
import java.util.Objects;

/**
 * What erasing does to a table's rows in the subject's closure, in place of the schema's ON DELETE
 * action (setting {@code subject.policy.TABLE}): {@code delete} the rows; {@code set-null} the columns
 * through which they reference the subject (for the subject's own table, the predicate's column);
 * {@code redact:col1;col2} set the named columns to NULL and keep the row. Rows that are kept (set-null,
 * redacted) end the closure there: what references them still references a row that exists.
 */
public record SubjectPolicy(Kind kind, List<String> columns) {

    public enum Kind {
        DELETE, SET_NULL, REDACT
    }

    public SubjectPolicy {
        Objects.requireNonNull(kind, "kind");
        columns = List.copyOf(columns);
        if (kind == Kind.REDACT && columns.isEmpty()) {
            throw new IllegalArgumentException("a redact policy names the columns it sets to NULL");
        }
        if (kind != Kind.REDACT && !columns.isEmpty()) {
            throw new IllegalArgumentException("only a redact policy names columns");
        }
    }

    public static SubjectPolicy parse(String text) {
        String what = "subject.policy: ";
        String s = text == null ? "" : text.strip();
        String lower = s.toLowerCase(Locale.ROOT);
        if (lower.equals("delete")) {
            return new SubjectPolicy(Kind.DELETE, List.of());
        }
        if (lower.equals("set-null")) {
            return new SubjectPolicy(Kind.SET_NULL, List.of());
        }
        if (lower.startsWith("redact:")) {
            List<String> columns = SubjectNames.splitOutsideQuotes(s.substring("redact:".length()), ";").stream()
                    .filter(c -> !c.isBlank())
                    .map(c -> SubjectNames.name(c, "subject.policy"))
                    .toList();
            if (columns.isEmpty()) {
                throw new IllegalArgumentException(what + "redact: names no column; write redact:col1;col2");
            }
            return new SubjectPolicy(Kind.REDACT, columns);
        }
        throw new IllegalArgumentException(what + "'" + s + "' is none of delete, set-null, redact:col1;col2");
    }

    /** As the setting is written. */
    @Override
    public String toString() {
        return switch (kind) {
            case DELETE -> "delete";
            case SET_NULL -> "set-null";
            case REDACT -> "redact:" + String.join(";", columns);
        };
    }
}
