package io.github.cameld1backup.source;

/**
 * What a failed D1 request calls for, told from the HTTP status, D1's error code and D1's documented
 * messages (never from words that happen to appear in a table's name or the SQL).
 */
public enum D1ErrorClass {
    /** Passes by itself: send again after a backoff (a write only once it is known not to have committed). */
    TRANSIENT,
    /** 429: wait (Retry-After, or the whole rate-limit window), then send again; D1 never ran it. */
    RATE_LIMITED,
    /** D1 ran out of time, memory or CPU, or a statement or value is too big: send less per request. */
    TOO_LARGE,
    /** Will not pass: an SQL error, a refused token, a malformed request. Fail at once with D1's message. */
    FATAL;

    /** Whether sending the same request again may succeed. */
    public boolean retryable() {
        return this == TRANSIENT || this == RATE_LIMITED;
    }
}
