package io.github.cameld1backup.config;

import java.io.File;
import java.nio.file.Path;

/**
 * Where a backup is stored: {@code file} (a folder) or {@code r2} (a bucket, through aws2-s3 with
 * the project's S3 client). {@code uri} is the Camel endpoint the store route sends to.
 */
public record TargetSpec(String kind, String location, String prefix, String uri) {

    public static final String FILE = "file";
    public static final String R2 = "r2";

    public static TargetSpec file(Path dir) {
        return new TargetSpec(FILE, dir.toString(), "", "file:" + dir + "?fileExist=Fail&tempPrefix=.partial-");
    }

    public static TargetSpec r2(String bucket, String prefix, long partSize) {
        // Multipart in equal parts for large objects (R2's rule); the bucket is checked when the
        // endpoint first starts, inside a run, so an unreachable bucket fails that run only.
        return new TargetSpec(R2, bucket, prefix, "aws2-s3://" + bucket + "?amazonS3Client=#r2Client"
                + "&multiPartUpload=true&partSize=" + partSize + "&autoCreateBucket=false");
    }

    public String describe() {
        return kind + ":" + location;
    }

    /** Where an object of this name ends up, as users would write it. */
    public String locationOf(String name) {
        return kind.equals(FILE) ? location + File.separator + name : "r2://" + location + "/" + prefix + name;
    }
}
