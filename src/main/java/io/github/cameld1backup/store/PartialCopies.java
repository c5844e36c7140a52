package io.github.cameld1backup.store;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.github.cameld1backup.model.BackupRun;
import io.github.cameld1backup.config.TargetSpec;
import io.github.cameld1backup.model.Manifest;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.temporal.ChronoUnit;
import java.util.function.Supplier;
import org.apache.camel.ExchangeProperty;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.HeadObjectResponse;
import software.amazon.awssdk.services.s3.model.NoSuchKeyException;
import software.amazon.awssdk.services.s3.model.S3Exception;

/**
 * Bean called when storing a copy failed: if this run's object reached the target but its manifest
 * did not (every retry of the manifest failed), the object is removed, so nothing stays under a
 * backup's name without the manifest that vouches for it. An object that is not this run's is left
 * alone. Best effort: a removal that fails is logged.
 */
public class PartialCopies {

    private static final Logger LOG = LoggerFactory.getLogger(PartialCopies.class);
    private final ObjectMapper json = new ObjectMapper();
    private final Supplier<S3Client> s3;

    public PartialCopies(Supplier<S3Client> s3) {
        this.s3 = s3;
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
                    LOG.warn("Removed {} from {}: its manifest could not be stored", name, target.describe());
                }
            } else if (target.kind().equals(TargetSpec.R2)) {
                removeFromBucket(run, target);
            }
        } catch (IOException | RuntimeException e) {
            LOG.warn("Could not remove the incomplete copy {} from {}: {}", name, target.describe(), e.getMessage());
        }
    }

    private void removeFromBucket(BackupRun run, TargetSpec target) throws IOException {
        S3Client client = s3.get();
        String bucket = target.location();
        String key = target.prefix() + run.objectName();
        String ours = run.manifest().sha256();
        HeadObjectResponse object;
        try {
            object = client.headObject(b -> b.bucket(bucket).key(key));
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
            manifest = json.readValue(client.getObjectAsBytes(b -> b.bucket(bucket).key(key + Manifest.SUFFIX)).asByteArray(),
                    Manifest.class);
        } catch (S3Exception e) {
            if (!absent(e)) {
                throw e;
            }
            manifest = null;
        }
        if (manifest != null && ours.equals(manifest.sha256())) {
            return; // the manifest did arrive (only its answer was lost): a whole backup
        }
        client.deleteObject(b -> b.bucket(bucket).key(key));
        if (manifest != null) { // an older backup's manifest, whose object this run replaced
            client.deleteObject(b -> b.bucket(bucket).key(key + Manifest.SUFFIX));
        }
        LOG.warn("Removed {} from {}: its manifest could not be stored", key, target.describe());
    }

    private static boolean absent(S3Exception e) {
        return e instanceof NoSuchKeyException || e.statusCode() == 404;
    }
}
