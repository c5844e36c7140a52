package io.github.cameld1backup.store;

import java.util.regex.Pattern;

/** What a backup's object name may look like: {@code <database>-<time>[_n].sql[.gz][.enc|.age]}, nothing else. */
public final class BackupNames {

    private static final Pattern NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,200}\\.sql(\\.gz)?(\\.enc|\\.age)?");

    private BackupNames() {
    }

    /** What a stored backup is, as HTTP and S3 say it: read off its name, outermost layer last. */
    public static String contentType(String name) {
        return name.endsWith(".sql") ? "application/sql"
                : name.endsWith(".gz") ? "application/gzip" : "application/octet-stream";
    }

    public static boolean valid(String name) {
        return name != null && NAME.matcher(name).matches() && !name.contains("..");
    }
}
