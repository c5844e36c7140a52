package io.github.cameld1backup.store;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.github.cameld1backup.model.BackupRun;
import io.github.cameld1backup.config.TargetSpec;
import io.github.cameld1backup.model.Manifest;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.temporal.ChronoUnit;
import org.apache.camel.ExchangeProperty;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import software.amazon.awssdk.services.s3.model.HeadObjectResponse;
import software.amazon.awssdk.services.s3.model.NoSuchKeyException;
import software.amazon.awssdk.services.s3.model.S3Exception;

/**
 * Bean called when storing a copy failed: if this run's object reached the target but its manifest
 * did not (every retry of the manifest failed), the object is removed (with its signature, if any), so nothing stays under a
 * backup's name without the manifest that vouches for it. An object that is not this run's is left
 * alone. Best effort: a removal that fails is logged.
 */
public class PartialCopies {

    private static final Logger LOG = LoggerFactory.getLogger(PartialCopies.class);
    private final ObjectMapper json = new ObjectMapper();
    private final R2Objects r2;

    public PartialCopies(R2Objects r2) {
        this.r2 = r2;
    }

    public void remove(@ExchangeProperty("backupRun") BackupRun run, @ExchangeProperty("backupTarget") TargetSpec target) {
        if (run == null || run.manifest() == null) {
            return;
        }
        String name = run.objectName();
        try {
            if (target.kind().equals(TargetSpec.FILE)) {
                // File names are unique per run: an object file under this name is this run's.
                Path object = Path.of(target.location(), name);
                if (!Files.exists(Path.of(target.location(), name + Manifest.SUFFIX)) && Files.deleteIfExists(object)) {
                    Files.deleteIfExists(Path.of(target.location(), name + Manifest.SIGNATURE_SUFFIX));
                    LOG.warn("Removed {} from {}: its manifest could not be stored", name, target.describe());
                }
            } else if (target.kind().equals(TargetSpec.R2)) {
                removeFromBucket(run, target);
            }
        } catch (IOException | RuntimeException e) {
            LOG.warn("Could not remove the incomplete copy {} from {}: {}", name, target.describe(), e.getMessage());
        }
    }

    /** Through aws2-s3's headObject, getObject (the manifest) and deleteObject. */
    private void removeFromBucket(BackupRun run, TargetSpec target) throws IOException {
        String bucket = target.location();
        String key = target.prefix() + run.objectName();
        String ours = run.manifest().sha256();
        HeadObjectResponse object;
        try {
            object = r2.head(bucket, key);
        } catch (S3Exception e) {
            if (absent(e)) {
                return;
            }
            throw e;
        }
        // Single PUTs carry the SHA-256 in their metadata; multipart objects do not (aws2-s3 leaves it off),
        // so for those: the staged size, written since this run started.
        String sha = object.metadata().get("sha256");
        boolean thisRuns = sha != null ? sha.equals(ours) : object.contentLength() == run.manifest().storedBytes()
                && !object.lastModified().isBefore(run.startedAt().truncatedTo(ChronoUnit.SECONDS));
        if (!thisRuns) {
            return; // this run's upload failed: whatever is there stays
        }
        Manifest manifest;
        try {
            manifest = json.readValue(r2.read(bucket, key + Manifest.SUFFIX), Manifest.class);
        } catch (S3Exception e) {
            if (!absent(e)) {
                throw e;
            }
            manifest = null;
        }
        if (manifest != null && ours.equals(manifest.sha256())) {
            return; // the manifest did arrive (only its answer was lost): a whole backup
        }
        r2.delete(bucket, key);
        r2.delete(bucket, key + Manifest.SIGNATURE_SUFFIX); // this run's signature, or the replaced backup's
        if (manifest != null) { // an older backup's manifest, whose object this run replaced
            r2.delete(bucket, key + Manifest.SUFFIX);
        }
        LOG.warn("Removed {} from {}: its manifest could not be stored", key, target.describe());
    }

    private static boolean absent(S3Exception e) {
        return e instanceof NoSuchKeyException || e.statusCode() == 404;
    }
}
