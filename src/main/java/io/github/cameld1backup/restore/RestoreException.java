package io.github.cameld1backup.restore;

/** A restore that stopped: says which statement, and where to resume when some were applied. */
public class RestoreException extends RuntimeException {

    public RestoreException(String message, Throwable cause) {
        super(message, cause);
    }

    public RestoreException(String message) {
        super(message);
    }
}
