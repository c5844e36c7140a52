package io.github.cameld1backup.subject;

import io.github.cameld1backup.config.BackupSettings;
import io.github.cameld1backup.config.TargetSpec;
import io.github.cameld1backup.core.BackupProperties;
import io.github.cameld1backup.model.ErasuresApplied;
import io.github.cameld1backup.model.Manifest;
import io.github.cameld1backup.model.Rewrite;
import io.github.cameld1backup.model.Verification;
import io.github.cameld1backup.observe.AuditLog;
import io.github.cameld1backup.store.BackupListing;
import io.github.cameld1backup.store.StoredBackups;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Supplier;
import org.apache.camel.Exchange;
import org.apache.camel.ProducerTemplate;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code subject erase --rewrite}: every backup that holds an erased subject is loaded, erased, dumped,
 * compressed and encrypted as it was, stored under a new name whose manifest names the backup it replaces
 * and the erasures, and verified; only when every rewrite stands are the originals deleted (manifest
 * first, newest first). A run cut off anywhere leaves every backup restorable: before the deletions both
 * copies are whole, during them a chain loses its newest links first. Run again, it finishes the job.
 * Incremental chains stay consistent: a link is rewritten as a full backup, and so is every later link
 * whose chain passes through a rewritten one.
 */
public class BackupRewriter {

    private static final Logger LOG = LoggerFactory.getLogger(BackupRewriter.class);

    private final BackupListing listing;
    private final ErasedCopies copies;
    private final StoredBackups stored;
    private final AuditLog audit;
    private final Supplier<ProducerTemplate> templates;

    public BackupRewriter(BackupListing listing, ErasedCopies copies, StoredBackups stored, AuditLog audit,
                          Supplier<ProducerTemplate> templates) {
        this.listing = listing;
        this.copies = copies;
        this.stored = stored;
        this.audit = audit;
        this.templates = templates;
    }

    /** Rewrites the backups of the settings' first target that hold a subject of the ledger's {@code entries}. */
    public List<SubjectReport.Rewritten> rewrite(BackupSettings settings, List<ErasureEntry> entries, SubjectKey key,
                                                 String requestedBy) throws Exception {
        TargetSpec target = settings.primaryTarget();
        List<Manifest> newestFirst = listing.listFor(target, settings);
        Map<String, Manifest> byName = new LinkedHashMap<>();
        newestFirst.forEach(m -> byName.put(m.object(), m));
        List<String> ids = entries.stream().map(ErasureEntry::id).toList();
        String suffix = "-erased-" + ids.get(ids.size() - 1).replaceFirst("^erasure-", "");
        Set<String> replaced = new LinkedHashSet<>();
        List<SubjectReport.Rewritten> out = new ArrayList<>();
        List<Manifest> oldestFirst = new ArrayList<>(newestFirst);
        Collections.reverse(oldestFirst);
        for (Manifest m : oldestFirst) { // parents before the incrementals on top of them
            if (m.rewritten() && m.erasures() != null && m.erasures().containsAll(ids)) {
                continue; // rewritten with every entry already
            }
            String name = rewriteName(m.object(), suffix);
            Manifest earlier = byName.get(name);
            if (earlier != null && earlier.replaces() != null && earlier.replaces().object().equals(m.object())) {
                replaced.add(m.object()); // stored and verified by a rewrite cut off before it deleted the original
                out.add(new SubjectReport.Rewritten(m.object(), name));
                continue;
            }
            if (earlier == null) {
                // An object under that name without a manifest is a copy a cut-off rewrite left half-stored.
                stored.delete(target, name);
            }
            boolean chainRewritten = chain(m, byName).stream().anyMatch(replaced::contains);
            try (ErasedCopies.Scratch scratch = copies.load(settings, m.object())) {
                ErasuresApplied applied = LedgerEraser.apply(entries, key, scratch.path());
                if (applied.removed() + applied.cleared() == 0 && !chainRewritten) {
                    continue; // nothing of any subject in it
                }
                copies.dump(settings, scratch, m.database() != null && m.database().name() != null ? m.database().name()
                        : settings.backupName().orElse("database"), target.describe(), m.compression(),
                        m.encryption().scheme(), new Rewrite(m, name, ids));
            }
            Verification check = verify(settings, name);
            if (!check.ok()) {
                throw new IllegalStateException("the rewrite " + name + " of " + m.object() + " does not verify, so the"
                        + " original is kept:\n" + check.summary());
            }
            audit.record("subject-rewrite", "stored", Map.of("original", m.object(), "rewrite", name, "erasures", ids,
                    "requestedBy", requestedBy));
            LOG.info("Rewrote {} as {} (verified)", m.object(), name);
            replaced.add(m.object());
            out.add(new SubjectReport.Rewritten(m.object(), name));
        }
        for (Manifest m : newestFirst) {
            if (replaced.contains(m.object())) {
                stored.delete(target, m.object());
                audit.record("subject-rewrite", "original deleted", Map.of("original", m.object(), "erasures", ids,
                        "requestedBy", requestedBy));
            }
        }
        return out;
    }

    /** The links under an incremental: its parent, the parent's parent, down to the full backup. */
    private static List<String> chain(Manifest m, Map<String, Manifest> byName) {
        List<String> links = new ArrayList<>();
        Manifest link = m;
        while (link != null && link.incremental() && link.parent() != null && !links.contains(link.parent().object())) {
            links.add(link.parent().object());
            link = byName.get(link.parent().object());
        }
        return links;
    }

    /** {@code db-20261201T000000Z.sql.gz.enc} becomes {@code db-20261201T000000Z-erased-ID.sql.gz.enc}. */
    static String rewriteName(String original, String suffix) {
        int ext = original.lastIndexOf(".sql");
        return original.substring(0, ext).replaceFirst("-erased-[0-9a-f]{8}$", "") + suffix + original.substring(ext);
    }

    private Verification verify(BackupSettings settings, String name) throws Exception {
        Exchange answer = templates.get().send("direct:verify", e -> {
            e.setProperty(BackupProperties.SETTINGS, settings);
            e.getMessage().setBody(name);
        });
        if (answer.getException() != null) {
            throw answer.getException();
        }
        return answer.getMessage().getBody(Verification.class);
    }
}
