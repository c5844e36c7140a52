package io.github.cameld1backup.store;

import io.github.cameld1backup.config.TargetSpec;
import java.time.Duration;
import java.time.Instant;
import java.util.function.Supplier;
import java.util.regex.Pattern;
import org.apache.camel.ExchangeProperty;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.AbortMultipartUploadRequest;
import software.amazon.awssdk.services.s3.model.ListMultipartUploadsRequest;
import software.amazon.awssdk.services.s3.model.MultipartUpload;

/**
 * Bean that aborts multipart uploads of backups left behind by runs that were killed (a failed
 * upload aborts itself; a killed process cannot). Only uploads under the target's prefix whose
 * key looks like a backup, and only those older than the threshold, so a run still uploading
 * on another replica is never touched. R2 would drop them after 7 days; this frees them sooner.
 */
public class AbandonedUploads {

    private static final Logger LOG = LoggerFactory.getLogger(AbandonedUploads.class);
    private static final Pattern BACKUP_KEY = Pattern.compile("[^/]+\\.sql(\\.gz)?(\\.enc|\\.age)?");

    private final Supplier<S3Client> s3;
    private final Duration threshold;

    public AbandonedUploads(Supplier<S3Client> s3, Duration threshold) {
        this.s3 = s3;
        this.threshold = threshold;
    }

    /** Never fails the run: a sweep that cannot list or abort is logged and skipped. */
    public void sweep(@ExchangeProperty("backupTarget") TargetSpec target) {
        if (!target.kind().equals(TargetSpec.R2)) {
            return;
        }
        try {
            S3Client client = s3.get();
            Instant before = Instant.now().minus(threshold);
            ListMultipartUploadsRequest request = ListMultipartUploadsRequest.builder()
                    .bucket(target.location()).prefix(target.prefix()).build();
            for (MultipartUpload upload : client.listMultipartUploadsPaginator(request).uploads()) {
                String rest = upload.key().substring(target.prefix().length());
                if (BACKUP_KEY.matcher(rest).matches() && !upload.initiated().isAfter(before)) {
                    try {
                        client.abortMultipartUpload(AbortMultipartUploadRequest.builder().bucket(target.location())
                                .key(upload.key()).uploadId(upload.uploadId()).build());
                        LOG.warn("Aborted an abandoned upload of {} on {} (started {})", upload.key(),
                                target.describe(), upload.initiated());
                    } catch (RuntimeException e) {
                        // one that cannot be aborted now must not keep the others: the next run tries again
                        LOG.warn("Could not abort the abandoned upload of {} on {}: {}", upload.key(),
                                target.describe(), e.getMessage());
                    }
                }
            }
        } catch (RuntimeException e) {
            LOG.warn("Could not check {} for abandoned uploads: {}", target.describe(), e.getMessage());
        }
    }
}
