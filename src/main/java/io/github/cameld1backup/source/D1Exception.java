package io.github.cameld1backup.source;

import java.io.IOException;
import java.util.Locale;
import java.util.regex.Pattern;

/**
 * An error answered by the D1 HTTP API, with D1's own code and message, and what it calls for
 * ({@link #errorClass()}).
 */
public class D1Exception extends RuntimeException {

    /**
     * Quoted parts of a message ('text', "name", `name`, [name]): where SQLite puts literals and quoted
     * names. Removed before a message is matched, so no value or quoted name can look like D1's words.
     */
    private static final Pattern QUOTED = Pattern.compile("'(?:[^']|'')*'|\"(?:[^\"]|\"\")*\"|`(?:[^`]|``)*`|\\[[^\\]]*]");
    /** D1 documents these as passing (cloudflare-docs d1/observability/debug-d1), whatever the HTTP status. */
    private static final Pattern TRANSIENT = phrases("d1 db is overloaded", "network connection lost",
            "storage caused object to be reset", "cannot resolve d1 db due to transient issue on remote node",
            "can't read from request stream because client disconnected");
    /** Out of time, memory or CPU, or too big: the same request fails again, a smaller one may not. */
    private static final Pattern TOO_LARGE = phrases("exceeded timeout", "exceeded (?:its )?memory",
            "exceeded (?:its )?cpu", "statement too long", "sqlite_toobig", "too big", "too large");
    /** A refused token or account; has been answered with HTTP 500 (workers-sdk #5292). */
    private static final Pattern NOT_AUTHORIZED = phrases("not authorized", "sqlite_auth");

    private final int httpStatus;
    private final int code;
    private final String d1Message;
    private final long retryAfterSeconds;

    public D1Exception(int httpStatus, int code, String message) {
        this(httpStatus, code, message, 0);
    }

    public D1Exception(int httpStatus, int code, String message, long retryAfterSeconds) {
        super("D1 API error " + code + " (HTTP " + httpStatus + "): " + message);
        this.httpStatus = httpStatus;
        this.code = code;
        this.d1Message = message == null ? "" : message;
        this.retryAfterSeconds = retryAfterSeconds;
    }

    /** The class of an answer: status, D1's code, and D1's documented messages (never words of SQL or names). */
    public static D1ErrorClass classify(int httpStatus, int code, String message) {
        if (httpStatus == 429) {
            return D1ErrorClass.RATE_LIMITED;
        }
        String words = QUOTED.matcher(message == null ? "" : message).replaceAll("''").toLowerCase(Locale.ROOT)
                .replaceAll("\\s+", " ");
        if (NOT_AUTHORIZED.matcher(words).find() || code == 7403 || code == 7404 || code == 7003 || code == 7400
                || code == 10000 || httpStatus == 401 || httpStatus == 403) {
            return D1ErrorClass.FATAL;
        }
        if (TOO_LARGE.matcher(words).find() || httpStatus == 413) {
            return D1ErrorClass.TOO_LARGE;
        }
        if (TRANSIENT.matcher(words).find()) {
            return D1ErrorClass.TRANSIENT; // even when sent with a 4xx
        }
        if (httpStatus >= 500 || httpStatus == 0 || code == 0 && httpStatus < 400) {
            return D1ErrorClass.TRANSIENT; // a server error, or an answer cut short or unreadable
        }
        return D1ErrorClass.FATAL;
    }

    public D1ErrorClass errorClass() {
        return classify(httpStatus, code, d1Message);
    }

    /** 429, 5xx, an unreadable answer, or one of D1's documented passing errors. */
    public boolean retryable() {
        return errorClass().retryable();
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

    /** D1's own message, as it came. */
    public String d1Message() {
        return d1Message;
    }

    /** The class of any failure of a D1 call: a network failure (no answer, or cut short) passes. */
    public static D1ErrorClass classOf(Throwable failure) {
        for (Throwable cause = failure; cause != null; cause = cause.getCause()) {
            if (cause instanceof D1Exception d1) {
                return d1.errorClass();
            }
            if (cause instanceof IOException) {
                return D1ErrorClass.TRANSIENT;
            }
        }
        return D1ErrorClass.FATAL;
    }

    private static Pattern phrases(String... phrases) {
        return Pattern.compile("(?<![a-z0-9_$])(?:" + String.join("|", phrases) + ")(?![a-z0-9_$])");
    }
}
