package io.github.cameld1backup.config;

import java.io.File;
import java.nio.file.Path;

/**
 * Where a backup is stored: {@code file} (a folder) or {@code r2} (a bucket, through aws2-s3 with
 * the project's S3 client). The store route (routes/backup.camel.yaml) builds the file: or aws2-s3:
 * endpoint from these fields; {@code partSize} is the multipart part size of an R2 target (0 for a folder).
 */
public record TargetSpec(String kind, String location, String prefix, long partSize) {

    public static final String FILE = "file";
    public static final String R2 = "r2";

    public static TargetSpec file(Path dir) {
        return new TargetSpec(FILE, dir.toString(), "", 0);
    }

    public static TargetSpec r2(String bucket, String prefix, long partSize) {
        return new TargetSpec(R2, bucket, prefix, partSize);
    }

    public String describe() {
        return kind + ":" + location;
    }

    /**
     * A location of {@link #locationOf} as answers to callers of the HTTP API show it: a folder by its own name, never
     * its whole path ({@code file:backups/NAME}); a bucket's as it is.
     */
    public static String shown(String location) {
        if (location.startsWith("r2://")) {
            return location;
        }
        Path p = Path.of(location);
        Path folder = p.getParent() == null ? null : p.getParent().getFileName();
        return FILE + ":" + (folder == null ? "" : folder + "/") + p.getFileName();
    }

    /** Where an object of this name ends up, as users would write it. */
    public String locationOf(String name) {
        return kind.equals(FILE) ? location + File.separator + name : "r2://" + location + "/" + prefix + name;
    }
}
