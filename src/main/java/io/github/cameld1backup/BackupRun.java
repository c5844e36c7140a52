package io.github.cameld1backup;

import io.github.cameld1backup.dump.SqlDumpWriter;
import io.github.cameld1backup.schema.Schema;
import java.nio.file.Path;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.UUID;

/** The state of one backup as it passes through the routes (exchange property {@code backupRun}). */
public final class BackupRun {

    /** Sortable UTC time in backup names: 20261122T030000Z. */
    static final DateTimeFormatter NAME_TIME = DateTimeFormatter.ofPattern("yyyyMMdd'T'HHmmss'Z'").withZone(ZoneOffset.UTC);

    private final String id = UUID.randomUUID().toString();
    private final Instant startedAt = Instant.now();
    private final SourceSpec source;
    private final Path targetDirectory;
    private final Path spool;
    private final SqlDumpWriter writer;
    private String databaseName;
    private Schema schema;
    private int tablesDone;
    private long rows;
    private long requests;

    BackupRun(SourceSpec source, Path targetDirectory, Path spool, SqlDumpWriter writer, String databaseName) {
        this.source = source;
        this.targetDirectory = targetDirectory;
        this.spool = spool;
        this.writer = writer;
        this.databaseName = databaseName;
    }

    public String id() {
        return id;
    }

    public Instant startedAt() {
        return startedAt;
    }

    public SourceSpec source() {
        return source;
    }

    public Path targetDirectory() {
        return targetDirectory;
    }

    /** The file endpoint for this run: written under a temporary name, never over an existing file. */
    public String targetUri() {
        return "file:" + targetDirectory + "?fileExist=Fail&tempPrefix=.partial-";
    }

    public Path spool() {
        return spool;
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

    public void tableDone(long tableRows) {
        tablesDone++;
        rows += tableRows;
    }

    public int tablesDone() {
        return tablesDone;
    }

    public long rows() {
        return rows;
    }

    public void countRequest() {
        requests++;
    }

    public long requests() {
        return requests;
    }

    /** {@code <database>-<UTC time>.sql}, the name characters limited to what every store accepts. */
    public String backupName() {
        String safe = databaseName.replaceAll("[^A-Za-z0-9._-]", "_");
        return safe + "-" + NAME_TIME.format(startedAt) + ".sql";
    }
}
