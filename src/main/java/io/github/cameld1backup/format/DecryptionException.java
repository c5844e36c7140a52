package io.github.cameld1backup.format;

/** A backup that could not be authenticated: wrong key, tampered with, or cut short. */
public class DecryptionException extends SecurityException {

    public DecryptionException(String message, Throwable cause) {
        super(message, cause);
    }
}
