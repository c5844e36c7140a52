package io.github.cameld1backup.source;

/** An error answered by the D1 HTTP API, with D1's own code and message. */
public class D1Exception extends RuntimeException {

    private final int httpStatus;
    private final int code;

    public D1Exception(int httpStatus, int code, String message) {
        super("D1 API error " + code + " (HTTP " + httpStatus + "): " + message);
        this.httpStatus = httpStatus;
        this.code = code;
    }

    public int httpStatus() {
        return httpStatus;
    }

    public int code() {
        return code;
    }
}
