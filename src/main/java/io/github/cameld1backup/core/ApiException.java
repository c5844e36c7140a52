package io.github.cameld1backup.core;

import java.util.Map;

/** An HTTP answer other than success: its status, a clear message, and any extra JSON fields. */
public class ApiException extends RuntimeException {

    private final int status;
    private final Map<String, Object> details;
    private final long retryAfterSeconds;

    public ApiException(int status, String message) {
        this(status, message, Map.of(), 0);
    }

    public ApiException(int status, String message, Map<String, Object> details, long retryAfterSeconds) {
        super(message, null, false, false); // no stack trace: it is an answer, not a fault
        this.status = status;
        this.details = details;
        this.retryAfterSeconds = retryAfterSeconds;
    }

    public int status() {
        return status;
    }

    public Map<String, Object> details() {
        return details;
    }

    public long retryAfterSeconds() {
        return retryAfterSeconds;
    }
}
