package io.github.cameld1backup.subject;

import java.util.Objects;

/**
 * Who a data-subject request is about: the rows of {@code table} whose {@code column} equals
 * {@code value}. The value is personal data: it only ever goes to SQLite as a bound parameter, and
 * {@link #toString()} leaves it out so that it cannot reach a log by accident.
 */
public record SubjectPredicate(String table, String column, String value) {

    public SubjectPredicate {
        Objects.requireNonNull(table, "table");
        Objects.requireNonNull(column, "column");
        Objects.requireNonNull(value, "value");
    }

    /**
     * {@code TABLE.COLUMN=VALUE}. TABLE and COLUMN are plain or double-quoted as in SQL (so a name may
     * hold dots or '='); VALUE is everything after the first '=' outside quotes, kept exactly (blanks too).
     */
    public static SubjectPredicate parse(String text) {
        String what = "subject predicate TABLE.COLUMN=VALUE";
        if (text == null || text.isBlank()) {
            throw new IllegalArgumentException(what + ": nothing given");
        }
        int equals = SubjectNames.indexOutsideQuotes(text, "=", 0);
        if (equals < 0) {
            // Not echoed: the text may be mostly the value.
            throw new IllegalArgumentException(what + ": no '=' after the column name (double quotes must be"
                    + " closed)");
        }
        String[] names = SubjectNames.tableAndColumn(text.substring(0, equals), what);
        String value = text.substring(equals + 1);
        if (value.isEmpty()) {
            throw new IllegalArgumentException(what + ": the value after '=' is empty; give the value to look for");
        }
        return new SubjectPredicate(names[0], names[1], value);
    }

    /** {@code table.column}, without the value. */
    public String label() {
        return table + "." + column;
    }

    @Override
    public String toString() {
        return label() + "=<value>";
    }
}
