package io.github.cameld1backup.model;

import com.fasterxml.jackson.annotation.JsonIgnore;
import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonInclude;
import java.util.List;
import java.util.Map;

/**
 * The small JSON document stored next to each backup ({@code <object>.manifest.json}): what the
 * backup holds and how to read it back. Never key material: only the scheme and, for age, the
 * public recipients.
 */
@JsonIgnoreProperties(ignoreUnknown = true)
@JsonInclude(JsonInclude.Include.NON_NULL)
public record Manifest(
        int formatVersion,
        String object,
        String tool,
        String toolVersion,
        String runId,
        Database database,
        String startedAt,
        String finishedAt,
        Map<String, Long> tables,
        long rows,
        String schemaHash,
        long sqlBytes,
        long storedBytes,
        String sha256,
        String compression,
        Encryption encryption,
        Verification verification,
        String mode,
        TimeTravel timeTravel,
        Boolean exact,
        List<String> inexact,
        String kind,
        Parent parent,
        String sourceVersion,
        String forcedFull,
        Map<String, TableChange> changes,
        Parent replaces,
        List<String> erasures) {

    /**
     * A manifest that says nothing of exactness ({@code exact} absent): the paged dump reads every value
     * with quote(), so it is exact by construction. Backups taken from D1's export set {@code exact}
     * and, when false, list in {@code inexact} what the export could not carry.
     */
    public Manifest(int formatVersion, String object, String tool, String toolVersion, String runId, Database database,
                    String startedAt, String finishedAt, Map<String, Long> tables, long rows, String schemaHash,
                    long sqlBytes, long storedBytes, String sha256, String compression, Encryption encryption,
                    Verification verification, String mode, TimeTravel timeTravel) {
        this(formatVersion, object, tool, toolVersion, runId, database, startedAt, finishedAt, tables, rows, schemaHash,
                sqlBytes, storedBytes, sha256, compression, encryption, verification, mode, timeTravel, null, null,
                null, null, null, null, null, null, null);
    }

    public static final String FULL = "full";
    public static final String INCREMENTAL = "incremental";

    /** {@value #INCREMENTAL} or {@value #FULL} (manifests written before incrementals say nothing: full). */
    @JsonIgnore
    public boolean incremental() {
        return INCREMENTAL.equals(kind);
    }

    /** Whether the backup holds exactly what it read: paged dumps always, exports when they say so. */
    @JsonIgnore
    public boolean exactCopy() {
        return exact == null || exact;
    }

    /**
     * The backup an incremental applies on top of: its object name and the SHA-256 of that object, so a
     * chain with a link replaced or altered is refused before anything is restored.
     */
    public record Parent(String object, String sha256) {
    }

    /**
     * Whether this backup is another one rewritten by {@code subject erase --rewrite}: {@code replaces} names
     * the backup it took the place of (its object and SHA-256), {@code erasures} the erasure ledger's entries
     * applied to it. A rewrite keeps its original's times, database and Time Travel bookmarks.
     */
    @JsonIgnore
    public boolean rewritten() {
        return replaces != null;
    }

    /**
     * What a backup recorded of one table for the incremental after it. {@code strategy}: {@code watermark}
     * (rows whose {@code column} is at least the parent's {@code watermark} are copied; rows gone since are
     * deleted by key range) or {@code whole} (every row copied). {@code watermark}: the column's largest
     * value, as an SQL literal, read before the table's rows were (absent: the table was empty).
     * {@code rows}: the rows this backup holds for the table; {@code deletedRanges}: key ranges an
     * incremental deletes before it writes rows; {@code keys}: the rowids the table had when its keys were
     * read, so the rows it holds once the incremental is applied (exactly so when no write reached it
     * between that read and its rows').
     */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record TableChange(String strategy, String column, String watermark, Long rows, Long deletedRanges,
                              Long keys) {
    }

    public static final int FORMAT_VERSION = 1;
    public static final String SUFFIX = ".manifest.json";
    /**
     * The manifest's detached Ed25519 signature over its exact bytes ({@code <object>.manifest.json.sig}, written
     * just before the manifest when MANIFEST_SIGNING_KEY is set; see config/ManifestSigning).
     */
    public static final String SIGNATURE_SUFFIX = SUFFIX + ".sig";

    @JsonInclude(JsonInclude.Include.NON_NULL)
    /** Set when the backup verified itself (backup.verify): it restored, passed integrity and matched. */
    public record Verification(boolean ok, String checkedAt, List<String> checks) {
    }

    /**
     * D1's Time Travel bookmarks when the backup started and ended (D1 sources; absent in older
     * manifests). Equal bookmarks: no write happened during the run, the backup is that exact point.
     */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record TimeTravel(String bookmarkBefore, String bookmarkAfter, boolean consistent, String note) {
    }

    public record Database(String source, String id, String name) {
    }

    @JsonInclude(JsonInclude.Include.NON_EMPTY)
    public record Encryption(String scheme, List<String> recipients) {
    }
}
