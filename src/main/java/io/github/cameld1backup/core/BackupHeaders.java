package io.github.cameld1backup.core;

/** Names of the message headers requests carry (in the style of Camel's {@code AWS2S3Constants}). */
public final class BackupHeaders {

    /** The database a request is for: a name from backup.databases; absent for the only one. */
    public static final String DATABASE = "BackupDatabase";
    /** Restore options, as headers of the restore request. */
    public static final String RESTORE_TO = "RestoreTo";
    public static final String RESTORE_REPLACE = "RestoreReplace";
    public static final String RESTORE_RESUME_FROM = "RestoreResumeFrom";
    /** The point of an incremental chain to restore up to: the name of one of its links (absent: the whole chain). */
    public static final String RESTORE_AT = "RestoreAt";

    private BackupHeaders() {
    }
}
