package io.github.cameld1backup.model;

import java.nio.file.Path;

/** A backup being restored or verified (exchange property {@code restoreRun}). */
public record RestoreRun(String name, Path file, boolean downloaded, Manifest manifest, String sha256) {

    /** The outermost layer, read off the name: aes-256-gcm, age, or none. */
    public String encryption() {
        return name.endsWith(".enc") ? "aes-256-gcm" : name.endsWith(".age") ? "age" : "none";
    }

    public boolean gzip() {
        return name.matches(".*\\.sql\\.gz(\\.enc|\\.age)?");
    }
}
