package io.github.cameld1backup.subject;

import io.github.cameld1backup.config.BackupSettings;
import io.github.cameld1backup.core.BackupHeaders;
import io.github.cameld1backup.core.BackupProperties;
import io.github.cameld1backup.model.BackupResult;
import io.github.cameld1backup.model.ErasuresApplied;
import io.github.cameld1backup.restore.BackupChain;
import io.github.cameld1backup.restore.RestoreException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import org.apache.camel.Body;
import org.apache.camel.Exchange;
import org.apache.camel.ExchangeProperty;
import org.apache.camel.Header;
import org.apache.camel.support.SynchronizationAdapter;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Bean that applies the erasure ledger: after a restore or a verify has loaded a backup, every recorded
 * subject is erased again (matched by its keyed hashes), with the FK closure recorded with it, so no restore
 * brings back what was erased.
 */
public class LedgerEraser {

    private static final Logger LOG = LoggerFactory.getLogger(LedgerEraser.class);
    /** Exchange property: the ledger's entries, read before anything is loaded. */
    public static final String ENTRIES = "erasureEntries";

    private final ErasureLedger ledger;
    private final ErasedCopies copies;

    public LedgerEraser(ErasureLedger ledger, ErasedCopies copies) {
        this.ledger = ledger;
        this.copies = copies;
    }

    /**
     * Route step before a restore or verify loads anything: reads the ledger and, when it has entries, checks
     * the key that applies them, so a restore that could not apply them fails before the target is touched.
     */
    public void prepare(@ExchangeProperty(BackupProperties.SETTINGS) BackupSettings settings, Exchange exchange)
            throws Exception {
        List<ErasureEntry> entries = ledger.read(settings);
        if (!entries.isEmpty()) {
            SubjectKeys.from(settings);
        }
        exchange.setProperty(ENTRIES, entries);
    }

    /** Whether a restore must load an erased copy instead of the backup: into D1, with ledger entries to apply. */
    public boolean needsErasedCopy(@ExchangeProperty(ENTRIES) List<ErasureEntry> entries,
                                   @Header(BackupHeaders.RESTORE_TO) String to) {
        return entries != null && !entries.isEmpty() && "d1".equalsIgnoreCase(to);
    }

    /**
     * Body: the backup to restore into D1. Loads it (an incremental: its chain, up to header RestoreAt) into a
     * scratch database, applies the ledger there and dumps the result as a plain, verified SQL file in the work
     * directory: the body becomes that file, which the restore loads in the backup's place; it is removed when
     * the restore ends.
     */
    public void erasedCopy(@Body String backup, @ExchangeProperty(ENTRIES) List<ErasureEntry> entries,
                           @ExchangeProperty(BackupProperties.SETTINGS) BackupSettings settings, Exchange exchange)
            throws Exception {
        Path folder = Files.createTempDirectory(Files.createDirectories(settings.workDirectory()), "erased-");
        exchange.getExchangeExtension().addOnCompletion(new SynchronizationAdapter() {
            @Override
            public void onDone(Exchange done) {
                try (var files = Files.list(folder)) {
                    for (Path p : files.toList()) {
                        Files.deleteIfExists(p);
                    }
                    Files.deleteIfExists(folder);
                } catch (IOException e) {
                    LOG.warn("Could not remove {}: {}", folder, e.getMessage());
                }
            }
        });
        String at = exchange.getMessage().getHeader(BackupHeaders.RESTORE_AT, String.class);
        BackupResult copy;
        try (ErasedCopies.Scratch scratch = copies.load(settings, backup, at)) {
            exchange.setProperty(BackupProperties.ERASURES, apply(entries, SubjectKeys.from(settings), scratch.path()));
            copy = copies.dump(settings, scratch, settings.backupName().orElse("database"), "file:" + folder, "none",
                    "none", null);
        }
        LOG.info("Restoring {} into D1 as a copy with the erasure ledger applied", backup);
        exchange.getMessage().removeHeader(BackupHeaders.RESTORE_AT); // the copy is one full backup
        exchange.getMessage().setBody(copy.locations().get(0));
    }

    /**
     * Route step after a restore into SQLite has loaded every link: the ledger applied to the restored
     * database (what it did goes into the restore's report). A new file is removed again if that fails.
     */
    public void afterRestore(@ExchangeProperty(ENTRIES) List<ErasureEntry> entries,
                             @ExchangeProperty(BackupProperties.SETTINGS) BackupSettings settings,
                             @ExchangeProperty(BackupProperties.RESTORE_CHAIN) BackupChain chain,
                             @Header(BackupHeaders.RESTORE_TO) String to, Exchange exchange) throws Exception {
        if (entries == null || entries.isEmpty() || !to.toLowerCase().startsWith("sqlite:")) {
            return;
        }
        Path db = Path.of(to.substring(7)).toAbsolutePath();
        try {
            exchange.setProperty(BackupProperties.ERASURES, apply(entries, SubjectKeys.from(settings), db));
        } catch (RuntimeException e) {
            boolean removed = Boolean.FALSE.equals(chain.targetExisted()) && Files.deleteIfExists(db);
            throw new RestoreException("the backup loaded, but the erasure ledger could not be applied: " + e.getMessage()
                    + (removed ? "; " + db + " was removed again" : "; " + db + " still holds erased subjects: do not use"
                    + " it"), e);
        }
    }

    /** Route step of verify, once every link is in the scratch database: the ledger applied to it. */
    public void afterVerifyLoad(@ExchangeProperty(ENTRIES) List<ErasureEntry> entries,
                                @ExchangeProperty(BackupProperties.SETTINGS) BackupSettings settings,
                                @ExchangeProperty(BackupProperties.RESTORE_CHAIN) BackupChain chain, Exchange exchange) {
        if (entries == null || entries.isEmpty() || chain.loadFailed() || chain.scratch() == null) {
            return;
        }
        exchange.setProperty(BackupProperties.ERASURES, apply(entries, SubjectKeys.from(settings), chain.scratch()));
    }

    /** Erases every entry's subject from a SQLite database; what went, per table. */
    public static ErasuresApplied apply(List<ErasureEntry> entries, SubjectKey key, Path db) {
        Map<String, Long> removed = new TreeMap<>();
        Map<String, Long> cleared = new TreeMap<>();
        for (ErasureEntry entry : entries) {
            SubjectEraseReport report;
            try {
                report = engine(entry).erase(db, new SubjectMatch.ByHash(entry.table(), entry.column(),
                        Set.copyOf(entry.hashes()), key), true, false);
            } catch (SubjectSchemaException e) {
                continue; // no such table or column in this backup: nothing of the subject in it
            }
            for (SubjectEraseReport.TableEffect effect : report.effects()) {
                (effect.action().equals(SubjectEraseReport.DELETED) ? removed : cleared).merge(effect.table(), (long) effect.rows(),
                        Long::sum);
            }
        }
        ErasuresApplied applied = new ErasuresApplied(entries.size(), removed, cleared);
        LOG.info("{} in {}", applied.summary(), db.getFileName());
        return applied;
    }

    /** The engine with the FK closure recorded with the entry (not today's settings). */
    static SubjectEngine engine(ErasureEntry entry) {
        Map<String, SubjectPolicy> policies = new LinkedHashMap<>();
        if (entry.policies() != null) {
            entry.policies().forEach((table, policy) -> policies.put(table, SubjectPolicy.parse(policy)));
        }
        List<SubjectReference> references = entry.references() == null ? List.of()
                : SubjectReference.parseList(String.join(",", entry.references()));
        return new SubjectEngine(new SubjectSettings(references, policies, Integer.MAX_VALUE));
    }
}
