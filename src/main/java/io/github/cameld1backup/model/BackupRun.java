package io.github.cameld1backup.model;

import io.github.cameld1backup.config.BackupSettings;
import io.github.cameld1backup.config.SourceSpec;
import io.github.cameld1backup.config.TargetSpec;
import io.github.cameld1backup.sql.SqlDumpWriter;
import io.github.cameld1backup.schema.Schema;
import java.nio.file.Path;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicLong;

/** The state of one backup as it passes through the routes (exchange property {@code backupRun}). */
public final class BackupRun {

    /** Sortable UTC time in backup names: 20261122T030000Z. */
    public static final DateTimeFormatter NAME_TIME = DateTimeFormatter.ofPattern("yyyyMMdd'T'HHmmss'Z'").withZone(ZoneOffset.UTC);

    private String id = UUID.randomUUID().toString();
    private final Instant startedAt = Instant.now();
    private final BackupSettings settings;
    private final SourceSpec source;
    private final Path spool;
    private final SqlDumpWriter writer;
    private final Map<String, Long> tableRows = new LinkedHashMap<>();
    private final Map<String, String> stored = new LinkedHashMap<>();
    private final Map<String, String> failed = new LinkedHashMap<>();
    private String databaseName;
    private Schema schema;
    private final AtomicLong requests = new AtomicLong();
    private int tablesDone;
    private String objectName;
    private Path staged;
    private Manifest manifest;
    private Verification verification;
    private String mode = "paged";
    private Manifest.TimeTravel timeTravel;
    private List<String> inexact;
    private String sourceVersion;
    private IncrementalPlan incremental;
    private String forcedFull;
    private String encodedSha256;

    public BackupRun(BackupSettings settings, Path spool, SqlDumpWriter writer, String databaseName) {
        this.settings = settings;
        this.source = settings.source();
        this.spool = spool;
        this.writer = writer;
        this.databaseName = databaseName;
    }

    public String id() {
        return id;
    }

    public void id(String id) {
        this.id = id;
    }

    public Instant startedAt() {
        return startedAt;
    }

    /** The settings of the database this run backs up. */
    public BackupSettings settings() {
        return settings;
    }

    public SourceSpec source() {
        return source;
    }

    public List<TargetSpec> targets() {
        return settings.targets();
    }

    public String compression() {
        return settings.compression();
    }

    public String encryption() {
        return settings.encryption();
    }

    public Path spool() {
        return spool;
    }

    /** The scratch file holding the encoded object (.sql.gz.enc...), beside the spool. */
    public Path encodedFile() {
        return spool.resolveSibling(spool.getFileName() + extension());
    }

    /** SHA-256 (hex) of {@link #encodedFile()}, taken while it was encoded; null for a plain dump. */
    public String encodedSha256() {
        return encodedSha256;
    }

    public void encodedSha256(String sha256) {
        this.encodedSha256 = sha256;
    }

    public SqlDumpWriter writer() {
        return writer;
    }

    public String databaseName() {
        return databaseName;
    }

    public boolean needsDatabaseName() {
        return databaseName == null || databaseName.isBlank();
    }

    public void databaseName(String name) {
        this.databaseName = name;
    }

    public Schema schema() {
        return schema;
    }

    public void schema(Schema schema) {
        this.schema = schema;
    }

    /**
     * A table finished; {@code rows} is null for tables whose rows are not copied (rebuilt full-text
     * indexes). Answers how many tables are done now, this one included: its number in progress lines.
     */
    public synchronized int tableDone(String table, Long rows) {
        tablesDone++;
        if (rows != null) {
            tableRows.put(table, rows);
        }
        return tablesDone;
    }

    /** Rows per table, in the schema's table order (tables may finish in any order when dumped in parallel). */
    public synchronized Map<String, Long> tableRows() {
        if (schema == null) {
            return new LinkedHashMap<>(tableRows);
        }
        Map<String, Long> ordered = new LinkedHashMap<>();
        schema.tables().forEach(t -> {
            Long n = tableRows.get(t.name());
            if (n != null) {
                ordered.put(t.name(), n);
            }
        });
        return ordered;
    }

    public synchronized int tablesDone() {
        return tablesDone;
    }

    public synchronized long rows() {
        return tableRows.values().stream().mapToLong(Long::longValue).sum();
    }

    private boolean failureReported;
    private Throwable failure;

    /**
     * True the first time only, which records {@code cause}: tables dumped in parallel may each report
     * the same failure, or one that only follows from it (a write into the aborted dump).
     */
    public synchronized boolean firstFailure(Throwable cause) {
        if (failureReported) {
            return false;
        }
        failureReported = true;
        failure = cause;
        return true;
    }

    /** What failed the run first, if it failed. */
    public synchronized Throwable failure() {
        return failure;
    }

    public void countRequest() { // segments are dumped in parallel: no lock, so none waits on another's work
        requests.incrementAndGet();
    }

    public long requests() {
        return requests.get();
    }

    /** {@code <database>-<UTC time>}, a name every store takes and the API and restore accept, whatever the database's name. */
    public String baseName() {
        return BackupNames.forDatabase(databaseName) + "-" + NAME_TIME.format(startedAt);
    }

    /** What the stored object's name ends with: what it holds, outermost layer last. */
    public String extension() {
        return ".sql" + (compression().equals("gzip") ? ".gz" : "")
                + (encryption().equals("aes-256-gcm") ? ".enc" : encryption().equals("age") ? ".age" : "");
    }

    public String objectName() {
        return objectName;
    }

    /** The object's name once chosen, else what it will start with. */
    public String objectNameOrBase() {
        return objectName != null ? objectName : baseName() + extension();
    }

    public void verification(Verification report) {
        this.verification = report;
    }

    public Verification verification() {
        return verification;
    }

    /** How the dump was taken: {@code paged} (our own queries) or {@code export} (D1's /export). */
    public String mode() {
        return mode;
    }

    public void mode(String mode) {
        this.mode = mode;
    }

    /**
     * Exported backups: what D1's export could not carry exactly (empty: exact); null for paged
     * backups, which read every value with quote(). Goes into the manifest as {@code exact}/{@code inexact}.
     */
    public List<String> inexact() {
        return inexact;
    }

    public void inexact(List<String> reasons) {
        this.inexact = reasons == null ? null : List.copyOf(reasons);
    }

    /** D1's Time Travel bookmarks around the run (see export {@code TimeTravelBookmarks}). */
    public Manifest.TimeTravel timeTravel() {
        return timeTravel;
    }

    public void timeTravel(Manifest.TimeTravel timeTravel) {
        this.timeTravel = timeTravel;
    }

    /**
     * What identifies the source's state when the run read it, for {@code backup.skip.unchanged}: D1's
     * bookmark when no write reached it during the run, a SQLite file's own version (see {@code SourceVersions});
     * null when the run saw the source change.
     */
    public String sourceVersion() {
        return sourceVersion;
    }

    public void sourceVersion(String version) {
        this.sourceVersion = version;
    }

    /**
     * The plan of an incremental backup: its parent and each table's strategy. Null for a full backup
     * (also one taken instead of an incremental, see {@link #forcedFull}).
     */
    public IncrementalPlan incremental() {
        return incremental;
    }

    public void incremental(IncrementalPlan plan) {
        this.incremental = plan;
    }

    /** Why an incremental was asked for and a full backup taken instead (null: not so). */
    public String forcedFull() {
        return forcedFull;
    }

    public void forcedFull(String reason) {
        this.forcedFull = reason;
    }

    public void objectName(String name) {
        this.objectName = name;
    }

    public Path staged() {
        return staged;
    }

    public void staged(Path file, Manifest manifest) {
        this.staged = file;
        this.manifest = manifest;
    }

    public Manifest manifest() {
        return manifest;
    }

    public void stored(TargetSpec target, String location) {
        stored.put(target.describe(), location);
    }

    public void failed(TargetSpec target, String message) {
        failed.put(target.describe(), message);
    }

    public Map<String, String> storedAt() {
        return stored;
    }

    public Map<String, String> failedAt() {
        return failed;
    }
}
