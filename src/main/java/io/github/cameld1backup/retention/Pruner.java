package io.github.cameld1backup.retention;

import io.github.cameld1backup.core.BackupProperties;
import io.github.cameld1backup.model.BackupRun;
import io.github.cameld1backup.config.BackupSettings;
import io.github.cameld1backup.config.TargetSpec;
import io.github.cameld1backup.observe.AuditLog;
import io.github.cameld1backup.store.BackupListing;
import io.github.cameld1backup.store.BackupNames;
import io.github.cameld1backup.store.R2Objects;
import io.github.cameld1backup.model.Manifest;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.camel.ExchangeProperty;
import org.apache.camel.Header;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Bean that applies the retention policy to the first target: only backups of this database with a
 * manifest at the target's own level are considered (anything else is never touched); each goes
 * with its manifest, the object first, so a prune cut short leaves a manifest the next prune
 * finishes rather than an object nobody knows.
 */
public class Pruner {

    public static final String DRY_RUN = "PruneDryRun";
    private static final Logger LOG = LoggerFactory.getLogger(Pruner.class);

    private final BackupListing listing;
    private final R2Objects r2;
    private final AuditLog audit;

    public Pruner(BackupListing listing, R2Objects r2, AuditLog audit) {
        this.listing = listing;
        this.r2 = r2;
        this.audit = audit;
    }

    /** What a prune decided, and what it deleted (nothing on a dry run). */
    public record Report(String target, boolean dryRun, List<RetentionPolicy.Decision> decisions, List<String> deleted) {
        public String summary() {
            StringBuilder out = new StringBuilder();
            for (RetentionPolicy.Decision d : decisions) {
                out.append(d.keep() ? "keep    " : (dryRun ? "would go " : "deleted ")).append(d.backup().name())
                        .append(d.keep() ? "  (" + String.join(", ", d.reasons()) + ")" : "").append('\n');
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
                backups.add(new RetentionPolicy.Backup(m.object(), Instant.parse(m.startedAt())));
            }
        }
        List<RetentionPolicy.Decision> decisions = policy.decide(backups, Instant.now());
        List<String> deleted = new ArrayList<>();
        if (!dry) {
            for (RetentionPolicy.Decision d : decisions) {
                if (!d.keep()) {
                    delete(target, d.backup().name());
                    delete(target, d.backup().name() + Manifest.SUFFIX);
                    deleted.add(d.backup().name());
                }
            }
        }
        Report report = new Report(target.describe(), dry, decisions, deleted);
        audit.record("prune", dry ? "dry-run" : "succeeded", Map.of("target", target.describe(), "kept",
                decisions.stream().filter(RetentionPolicy.Decision::keep).map(d -> d.backup().name()).toList(),
                "deleted", deleted, "wouldGo", dry ? decisions.stream().filter(d -> !d.keep()).map(d -> d.backup().name())
                        .toList() : List.of()));
        LOG.info("Retention on {}: {} kept, {} {}", target.describe(), decisions.size() - decisions.stream()
                .filter(d -> !d.keep()).count(), decisions.stream().filter(d -> !d.keep()).count(), dry ? "would go" : "deleted");
        return report;
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

    private void delete(TargetSpec target, String name) throws IOException {
        if (target.kind().equals(TargetSpec.FILE)) {
            Files.deleteIfExists(Path.of(target.location(), name));
        } else {
            r2.delete(target.location(), target.prefix() + name); // aws2-s3's deleteObject
        }
    }
}
