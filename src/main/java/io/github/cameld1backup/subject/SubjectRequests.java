package io.github.cameld1backup.subject;

import io.github.cameld1backup.config.BackupSettings;
import io.github.cameld1backup.core.BackupHeaders;
import io.github.cameld1backup.core.BackupProperties;
import io.github.cameld1backup.model.Manifest;
import io.github.cameld1backup.observe.AuditLog;
import io.github.cameld1backup.store.BackupListing;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.UUID;
import org.apache.camel.Body;
import org.apache.camel.ExchangeProperty;
import org.apache.camel.Header;

/**
 * Bean behind {@code subject find|erase|status} and {@code POST /api/subject/find}: each backup of the
 * database in its first target is loaded, one at a time, into a scratch SQLite database (decrypted as a
 * restore decrypts it; an incremental with its chain), searched or erased there, and dropped again, so
 * memory and disk hold one backup at a time. The subject's value is a bound parameter in every query, and
 * appears in no report, log line or audit record: those carry its keyed hash.
 */
public class SubjectRequests {

    private final BackupListing listing;
    private final ErasureLedger ledger;
    private final ErasedCopies copies;
    private final BackupRewriter rewriter;
    private final AuditLog audit;

    public SubjectRequests(BackupListing listing, ErasureLedger ledger, ErasedCopies copies, BackupRewriter rewriter,
                           AuditLog audit) {
        this.listing = listing;
        this.ledger = ledger;
        this.copies = copies;
        this.rewriter = rewriter;
        this.audit = audit;
    }

    /** Access request: the subject's rows, and the rows that reference them, in every backup. */
    public SubjectReport find(@Body String predicateText, @ExchangeProperty(BackupProperties.SETTINGS) BackupSettings settings,
                              @Header(BackupHeaders.SUBJECT_FORCE) Boolean force,
                              @Header(BackupHeaders.SUBJECT_REQUESTED_BY) String requestedBy) throws Exception {
        SubjectPredicate predicate = SubjectPredicate.parse(predicateText);
        SubjectKey key = SubjectKeys.from(settings);
        List<String> covering = covering(settings, predicate, key);
        List<SubjectReport.Backup> backups = search(settings, predicate, covering, Boolean.TRUE.equals(force), true);
        requireSchema(predicate, backups);
        SubjectReport report = new SubjectReport("find", predicate.label(), false, covering, backups, List.of());
        audit.record("subject-find", "succeeded", details(predicate, key, requestedBy, report));
        return report;
    }

    /**
     * Deletion request: checked against every backup (schema, and the row limit unless forced), then recorded
     * in the erasure ledger, so every restore and verify from now on erases the subject; with rewrite, each
     * backup holding it is also rewritten without it. A dry run reports what would go in each backup.
     */
    public SubjectReport erase(@Body String predicateText, @ExchangeProperty(BackupProperties.SETTINGS) BackupSettings settings,
                               @Header(BackupHeaders.SUBJECT_FORCE) Boolean force,
                               @Header(BackupHeaders.SUBJECT_DRY_RUN) Boolean dryRun,
                               @Header(BackupHeaders.SUBJECT_REWRITE) Boolean rewrite,
                               @Header(BackupHeaders.SUBJECT_REQUESTED_BY) String requestedBy) throws Exception {
        SubjectPredicate predicate = SubjectPredicate.parse(predicateText);
        SubjectKey key = SubjectKeys.from(settings);
        boolean dry = Boolean.TRUE.equals(dryRun);
        Set<String> hashes = new LinkedHashSet<>(List.of(key.hash(predicate.value())));
        Map<String, String> policies = new TreeMap<>();
        List<SubjectReport.Backup> backups = new ArrayList<>();
        for (Manifest m : backups(settings)) {
            try (ErasedCopies.Scratch scratch = copies.load(settings, m.object())) {
                SubjectEngine engine = engine(settings, scratch.path(), policies);
                SubjectEraseReport would = engine.erase(scratch.path(), new SubjectMatch.ByValue(predicate),
                        Boolean.TRUE.equals(force), true);
                // The value as each backup stores it (42 may be stored as 42.0): the ledger matches every form.
                engine.storedTexts(scratch.path(), predicate).forEach(text -> hashes.add(key.hash(text)));
                backups.add(new SubjectReport.Backup(m.object(), m.startedAt(), would.total() > 0 ? SubjectReport.PRESENT
                        : SubjectReport.ABSENT, would.total(), null, would, null));
            } catch (SubjectSchemaException e) {
                backups.add(absent(m, e));
            } catch (SubjectLimitException e) {
                throw new IllegalArgumentException("in backup " + m.object() + ": " + e.getMessage(), e);
            }
        }
        requireSchema(predicate, backups);
        if (dry) {
            SubjectReport report = new SubjectReport("erase", predicate.label(), true, List.of(), backups, List.of());
            audit.record("subject-erase", "dry-run", details(predicate, key, requestedBy, report));
            return report;
        }
        List<ErasureEntry> entries = ledger.read(settings);
        ErasureEntry entry = entries.stream().filter(e -> e.covers(predicate, key)).findFirst().orElse(null);
        if (entry == null) {
            entry = new ErasureEntry("erasure-" + UUID.randomUUID().toString().substring(0, 8),
                    Instant.now().truncatedTo(ChronoUnit.SECONDS).toString(), who(requestedBy), predicate.table(),
                    predicate.column(), List.copyOf(hashes), policies,
                    settings.subjectReferences().isBlank() ? List.of() : List.of(settings.subjectReferences()));
            ledger.append(settings, entry);
            entries = ledger.read(settings);
        }
        Map<String, Object> recorded = details(predicate, key, requestedBy, null);
        recorded.put("erasure", entry.id());
        recorded.put("ledger", ErasureLedger.describe(settings));
        recorded.put("policies", entry.policies());
        recorded.put("references", entry.references());
        audit.record("subject-erase", "recorded", recorded);
        List<SubjectReport.Rewritten> rewritten = Boolean.TRUE.equals(rewrite)
                ? rewriter.rewrite(settings, entries, key, who(requestedBy)) : List.of();
        return new SubjectReport("erase", predicate.label(), false, List.of(entry.id()), backups, rewritten);
    }

    /** Proof: per backup, whether the subject is present, covered by the ledger, erased by rewrite, or absent. */
    public SubjectReport status(@Body String predicateText, @ExchangeProperty(BackupProperties.SETTINGS) BackupSettings settings,
                                @Header(BackupHeaders.SUBJECT_REQUESTED_BY) String requestedBy) throws Exception {
        SubjectPredicate predicate = SubjectPredicate.parse(predicateText);
        SubjectKey key = SubjectKeys.from(settings);
        List<String> covering = covering(settings, predicate, key);
        List<SubjectReport.Backup> backups = search(settings, predicate, covering, true, false);
        SubjectReport report = new SubjectReport("status", predicate.label(), false, covering, backups, List.of());
        audit.record("subject-status", "succeeded", details(predicate, key, requestedBy, report));
        return report;
    }

    /**
     * Every backup searched for the subject, one loaded at a time: its state and row count, and with
     * {@code keepRows} the rows themselves (find), else a note naming the backup a rewrite replaced (status).
     */
    private List<SubjectReport.Backup> search(BackupSettings settings, SubjectPredicate predicate, List<String> covering,
                                              boolean force, boolean keepRows) throws Exception {
        List<SubjectReport.Backup> backups = new ArrayList<>();
        for (Manifest m : backups(settings)) {
            try (ErasedCopies.Scratch scratch = copies.load(settings, m.object())) {
                SubjectFindResult found = engine(settings, scratch.path(), null).find(scratch.path(), predicate, force);
                long rows = found.rows();
                backups.add(new SubjectReport.Backup(m.object(), m.startedAt(), state(m, rows, covering), rows,
                        keepRows ? found : null, null,
                        !keepRows && m.rewritten() ? "rewritten from " + m.replaces().object() : null));
            } catch (SubjectSchemaException e) {
                backups.add(absent(m, e));
            } catch (SubjectLimitException e) {
                throw new IllegalArgumentException("in backup " + m.object() + ": " + e.getMessage(), e);
            }
        }
        return backups;
    }

    private List<Manifest> backups(BackupSettings settings) throws Exception {
        List<Manifest> all = listing.listFor(settings.primaryTarget(), settings);
        if (all.isEmpty()) {
            throw new IllegalArgumentException("no backups of this database in " + settings.primaryTarget().describe());
        }
        return all;
    }

    private List<String> covering(BackupSettings settings, SubjectPredicate predicate, SubjectKey key) throws Exception {
        return ledger.read(settings).stream().filter(e -> e.covers(predicate, key)).map(ErasureEntry::id).toList();
    }

    private static String state(Manifest m, long rows, List<String> covering) {
        if (rows == 0) {
            return m.erasures() != null && m.erasures().stream().anyMatch(covering::contains) ? SubjectReport.REWRITTEN
                    : SubjectReport.ABSENT;
        }
        return covering.isEmpty() ? SubjectReport.PRESENT : SubjectReport.COVERED;
    }

    private static SubjectReport.Backup absent(Manifest m, SubjectSchemaException e) {
        return new SubjectReport.Backup(m.object(), m.startedAt(), SubjectReport.ABSENT, 0, null, null, e.getMessage());
    }

    /** The predicate must name a table and column that some backup has: a typo is an error, not "absent". */
    private static void requireSchema(SubjectPredicate predicate, List<SubjectReport.Backup> backups) {
        if (backups.stream().allMatch(b -> b.note() != null && b.rows() == 0 && b.found() == null && b.erase() == null)) {
            throw new IllegalArgumentException(predicate.label() + ": " + backups.get(0).note() + " (nor in any of the "
                    + backups.size() + " backups)");
        }
    }

    /** The engine for a scratch database with this deployment's closure settings; records the policies it uses. */
    private static SubjectEngine engine(BackupSettings settings, Path db, Map<String, String> policiesUsed) throws Exception {
        Map<String, SubjectPolicy> policies = new LinkedHashMap<>();
        try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + db); Statement s = c.createStatement();
             ResultSet rs = s.executeQuery("SELECT name FROM sqlite_master WHERE type = 'table'")) {
            while (rs.next()) {
                String table = rs.getString(1);
                var policy = settings.subjectPolicy(table);
                if (policy.isPresent()) {
                    policies.put(table, SubjectPolicy.parse(policy.get()));
                    if (policiesUsed != null) {
                        policiesUsed.put(table, policy.get());
                    }
                }
            }
        }
        return new SubjectEngine(new SubjectSettings(SubjectReference.parseList(settings.subjectReferences()), policies,
                settings.subjectMaxRows()));
    }

    private static String who(String requestedBy) {
        return requestedBy == null || requestedBy.isBlank() ? "cli:" + System.getProperty("user.name") : requestedBy;
    }

    /** What the audit log keeps of a request: the predicate and the value's keyed hash, never the value. */
    private static Map<String, Object> details(SubjectPredicate predicate, SubjectKey key, String requestedBy,
                                               SubjectReport report) {
        Map<String, Object> details = new LinkedHashMap<>();
        details.put("predicate", predicate.label());
        details.put("valueHash", key.hash(predicate.value()));
        details.put("requestedBy", who(requestedBy));
        if (report != null) {
            details.put("backups", report.backups().size());
            details.put("rows", report.rows());
            if (!report.erasures().isEmpty()) {
                details.put("erasures", report.erasures());
            }
        }
        return details;
    }
}
