package io.github.cameld1backup.core;

/** Names of the message headers requests carry (in the style of Camel's {@code AWS2S3Constants}). */
public final class BackupHeaders {

    /** The database a request is for: a name from backup.databases; absent for the only one. */
    public static final String DATABASE = "BackupDatabase";
    /** What started a run: {@code schedule}, {@code http}, {@code catch-up}; absent for the command line and templates. */
    public static final String TRIGGER = "BackupTrigger";
    /**
     * A triggered run's own options ({@code true} or {@code false}), set from the HTTP API's query parameters:
     * they override backup.incremental and backup.skip.unchanged for that run only.
     */
    public static final String INCREMENTAL = "BackupIncremental";
    public static final String SKIP_UNCHANGED = "BackupSkipUnchanged";
    /** Restore options, as headers of the restore request. */
    public static final String RESTORE_TO = "RestoreTo";
    public static final String RESTORE_REPLACE = "RestoreReplace";
    public static final String RESTORE_RESUME_FROM = "RestoreResumeFrom";
    /** The point of an incremental chain to restore up to: the name of one of its links (absent: the whole chain). */
    public static final String RESTORE_AT = "RestoreAt";
    /** Data-subject requests: refuse no match size ({@code --force}), decide only, rewrite stored backups, and who asked. */
    public static final String SUBJECT_FORCE = "SubjectForce";
    public static final String SUBJECT_DRY_RUN = "SubjectDryRun";
    public static final String SUBJECT_REWRITE = "SubjectRewrite";
    public static final String SUBJECT_REQUESTED_BY = "SubjectRequestedBy";

    private BackupHeaders() {
    }
}
