package io.github.cameld1backup.store;

import io.github.cameld1backup.config.TargetSpec;
import io.github.cameld1backup.model.Manifest;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** Deleting a stored backup of a target (a folder, or a bucket and prefix through aws2-s3's deleteObject). */
public final class StoredBackups {

    private final R2Objects r2;

    public StoredBackups(R2Objects r2) {
        this.r2 = r2;
    }

    /**
     * Deletes a backup (with its manifest's signature, if signed), its manifest first: a deletion cut off half-way leaves an object without a manifest,
     * which no listing shows, never a listed backup that cannot be restored.
     */
    public void delete(TargetSpec target, String name) throws IOException {
        deleteObject(target, name + Manifest.SUFFIX);
        deleteObject(target, name + Manifest.SIGNATURE_SUFFIX);
        deleteObject(target, name);
    }

    private void deleteObject(TargetSpec target, String name) throws IOException {
        if (target.kind().equals(TargetSpec.FILE)) {
            Files.deleteIfExists(Path.of(target.location(), name));
        } else {
            r2.delete(target.location(), target.prefix() + name);
        }
    }
}
