package io.github.cameld1backup.core;

/**
 * Names of the exchange properties the routes and beans share (in the style of Camel's
 * {@code AWS2S3Constants}): one place that every layer can use without depending on the bean that
 * sets the property.
 */
public final class BackupProperties {

    /** The {@code BackupRun} of a backup in progress. */
    public static final String RUN = "backupRun";
    /** The {@code TargetSpec} a backup is being stored to. */
    public static final String TARGET = "backupTarget";
    /** The D1 database the D1 routes address (the source of a backup, the target of a restore). */
    public static final String D1_DATABASE = "d1DatabaseId";
    /** The base URL of the D1 API a D1 attempt calls (cloudflare.api.base.url), set by the attempt's first step. */
    public static final String D1_BASE_URL = "d1BaseUrl";
    /** The Cloudflare account a D1 attempt addresses, set with {@link #D1_BASE_URL}. */
    public static final String D1_ACCOUNT = "d1Account";
    /** The {@code BackupSettings} in force for an exchange. */
    public static final String SETTINGS = "databaseSettings";
    /** The {@code RestoreRun} of a restore or verify in progress. */
    public static final String RESTORE_RUN = "restoreRun";
    /** The {@code BackupChain} of a restore or verify: every link to load, oldest first (one for a full backup). */
    public static final String RESTORE_CHAIN = "restoreChain";
    /**
     * The details of a run that ended, for the reporting steps of routes/backup.camel.yaml and
     * routes/errors.camel.yaml (audit log, metrics, alert); absent when there is nothing (more) to report.
     */
    public static final String REPORT = "backupReport";
    /** The {@code Rewrite} of a backup run that rewrites a stored backup with a data subject erased. */
    public static final String REWRITE = "backupRewrite";
    /** The {@code ErasuresApplied} of a restore or verify: what the erasure ledger removed after loading. */
    public static final String ERASURES = "erasuresApplied";
    /**
     * SHA-256 (hex) of what the last data format of an exchange wrote, taken while it wrote it: the
     * backup's checksum without reading the encoded dump a second time.
     */
    public static final String ENCODED_SHA256 = "encodedSha256";
    /** What the store route writes next: name, content type and length. */
    public static final String STORE_NAME = "storeName";
    public static final String STORE_TYPE = "storeContentType";
    public static final String STORE_LENGTH = "storeLength";

    private BackupProperties() {
    }
}
