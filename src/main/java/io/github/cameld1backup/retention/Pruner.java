package io.github.cameld1backup.retention;

import io.github.cameld1backup.core.BackupProperties;
import io.github.cameld1backup.model.BackupRun;
import io.github.cameld1backup.config.BackupSettings;
import io.github.cameld1backup.config.TargetSpec;
import io.github.cameld1backup.observe.AuditLog;
import io.github.cameld1backup.store.BackupListing;
import io.github.cameld1backup.model.BackupNames;
import io.github.cameld1backup.store.StoredBackups;
import io.github.cameld1backup.model.Manifest;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.camel.ExchangeProperty;
import org.apache.camel.Header;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Bean that applies the retention policy to the first target: only backups of this database with a
 * manifest at the target's own level are considered (anything else is never touched); each goes
 * with its signature and manifest, the object first and the manifest last, so a prune cut short leaves a manifest the next prune
 * finishes rather than an object nobody knows.
 */
public class Pruner {

    public static final String DRY_RUN = "PruneDryRun";
    private static final Logger LOG = LoggerFactory.getLogger(Pruner.class);

    private final BackupListing listing;
    private final StoredBackups stored;
    private final AuditLog audit;

    public Pruner(BackupListing listing, StoredBackups stored, AuditLog audit) {
        this.listing = listing;
        this.stored = stored;
        this.audit = audit;
    }

    /** What a prune decided, and what it deleted (nothing on a dry run). */
    public record Report(String target, boolean dryRun, List<RetentionPolicy.Decision> decisions, List<String> deleted) {
        public String summary() {
            StringBuilder out = new StringBuilder();
            for (RetentionPolicy.Decision d : decisions) {
                out.append(d.keep() ? "keep    " : (dryRun ? "would go " : "deleted ")).append(d.backup().name())
                        .append("  (").append(d.keep() ? String.join(", ", d.reasons()) : "no rule keeps it").append(')');
                if (d.warning() != null) {
                    out.append("  ! ").append(d.warning());
                }
                out.append('\n');
            }
            long gone = decisions.stream().filter(d -> !d.keep()).count();
            out.append(decisions.size() - gone).append(" kept, ").append(gone).append(dryRun ? " would go" : " deleted")
                    .append(" in ").append(target);
            return out.toString();
        }
    }

    /** Prunes the first target of the database whose settings the exchange carries. */
    public Report prune(@Header(DRY_RUN) Boolean dryRun,
                        @ExchangeProperty(BackupProperties.SETTINGS) BackupSettings settings)
            throws IOException {
        boolean dry = Boolean.TRUE.equals(dryRun);
        RetentionPolicy policy = RetentionPolicy.from(settings);
        TargetSpec target = settings.primaryTarget();
        List<RetentionPolicy.Backup> backups = new ArrayList<>();
        for (Manifest m : listing.list(target)) {
            if (BackupListing.isOf(m, settings) && BackupNames.valid(m.object())) {
                backups.add(new RetentionPolicy.Backup(m.object(), Instant.parse(m.startedAt()),
                        m.incremental() && m.parent() != null ? m.parent().object() : null));
            }
        }
        List<RetentionPolicy.Decision> decisions = policy.decide(backups, Instant.now());
        decisions.stream().filter(d -> d.warning() != null && d.keep()).forEach(d -> LOG.warn(
                "Retention on {} keeps {}, but it {}", target.describe(), d.backup().name(), d.warning()));
        List<String> deleted = new ArrayList<>();
        if (!dry) {
            for (RetentionPolicy.Backup b : childrenFirst(decisions)) {
                stored.delete(target, b.name());
                deleted.add(b.name());
            }
        }
        Report report = new Report(target.describe(), dry, decisions, deleted);
        audit.record("prune", dry ? "dry-run" : "succeeded", Map.of("target", target.describe(), "kept",
                decisions.stream().filter(RetentionPolicy.Decision::keep).map(d -> d.backup().name()).toList(),
                "deleted", deleted, "wouldGo", dry ? decisions.stream().filter(d -> !d.keep()).map(d -> d.backup().name())
                        .toList() : List.of(), "unrestorable", decisions.stream().filter(d -> d.warning() != null)
                        .map(d -> d.backup().name()).toList()));
        LOG.info("Retention on {}: {} kept, {} {}", target.describe(), decisions.size() - decisions.stream()
                .filter(d -> !d.keep()).count(), decisions.stream().filter(d -> !d.keep()).count(), dry ? "would go" : "deleted");
        return report;
    }

    /**
     * The backups that go, each before its parent (deepest link of a chain first), so a prune cut short
     * never leaves an incremental whose parent is gone.
     */
    static List<RetentionPolicy.Backup> childrenFirst(List<RetentionPolicy.Decision> decisions) {
        Map<String, RetentionPolicy.Backup> byName = new HashMap<>();
        decisions.forEach(d -> byName.putIfAbsent(d.backup().name(), d.backup()));
        Map<RetentionPolicy.Backup, Integer> depth = new HashMap<>();
        for (RetentionPolicy.Decision d : decisions) {
            int links = 0;
            Set<String> seen = new HashSet<>();
            for (RetentionPolicy.Backup b = d.backup(); b != null && b.parent() != null && seen.add(b.name()); ) {
                b = byName.get(b.parent());
                links++;
            }
            depth.put(d.backup(), links);
        }
        return decisions.stream().filter(d -> !d.keep()).map(RetentionPolicy.Decision::backup)
                .sorted(Comparator.comparing((RetentionPolicy.Backup b) -> depth.get(b)).reversed()).toList();
    }

    /** After a backup: prune, but a failing prune never fails the backup that just succeeded. */
    public void afterBackup(@ExchangeProperty(BackupProperties.RUN) BackupRun run) {
        if (!run.settings().retentionEnabled()) {
            return;
        }
        try {
            prune(false, run.settings());
        } catch (IOException | RuntimeException e) {
            LOG.error("Retention after the backup failed (the backup itself is stored): {}", e.getMessage());
        }
    }
}
