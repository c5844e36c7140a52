package io.github.cameld1backup.source;

/** An error answered by the D1 HTTP API, with D1's own code and message. */
public class D1Exception extends RuntimeException {

    // D1's own words for failures that pass: retry these (with 429s and 5xx), fail at once on the rest.
    private static final java.util.regex.Pattern TRANSIENT = java.util.regex.Pattern.compile(
            "(?i).*(overloaded|reset|cpu time limit|memory limit|network connection lost|timed? ?out|try again|internal error).*");

    private final int httpStatus;
    private final int code;
    private final long retryAfterSeconds;

    public D1Exception(int httpStatus, int code, String message) {
        this(httpStatus, code, message, 0);
    }

    public D1Exception(int httpStatus, int code, String message, long retryAfterSeconds) {
        super("D1 API error " + code + " (HTTP " + httpStatus + "): " + message);
        this.httpStatus = httpStatus;
        this.code = code;
        this.retryAfterSeconds = retryAfterSeconds;
    }

    /** 429, 5xx, an unreadable answer, or a 7500 that D1 describes as passing. */
    public boolean retryable() {
        return httpStatus == 429 || httpStatus >= 500 || httpStatus == 0 || code == 0
                || code == 7500 && TRANSIENT.matcher(getMessage()).matches();
    }

    /** What the API asked us to wait (its Retry-After), 0 when it did not say. */
    public long retryAfterSeconds() {
        return retryAfterSeconds;
    }

    public int httpStatus() {
        return httpStatus;
    }

    public int code() {
        return code;
    }
}
