package io.github.cameld1backup.store;

import io.github.cameld1backup.model.Manifest;
import java.util.List;

/**
 * What a target holds: its backups (from their manifests), newest first, and the manifests that could not be read
 * (invalid JSON, fields missing), each by its name with why. A broken manifest hides only its own backup.
 */
public record Listing(List<Manifest> backups, List<Skipped> skipped) {

    /** A manifest left out of a listing: its name ({@code NAME.manifest.json}) and why. */
    public record Skipped(String name, String reason) {
    }
}
