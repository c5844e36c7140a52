package io.github.cameld1backup.subject;

/**
 * A request would touch more rows than {@code subject.max.rows} allows: most likely a predicate that
 * matches far more than one person. Refused unless forced.
 */
public class SubjectLimitException extends RuntimeException {

    private final long rows;
    private final boolean exact;
    private final int limit;

    public SubjectLimitException(String message, long rows, boolean exact, int limit) {
        super(message);
        this.rows = rows;
        this.exact = exact;
        this.limit = limit;
    }

    /** Rows counted: all of them when {@link #exact()}, else where counting stopped (past the limit). */
    public long rows() {
        return rows;
    }

    public boolean exact() {
        return exact;
    }

    public int limit() {
        return limit;
    }
}
