package io.github.cameld1backup.incremental;

import io.github.cameld1backup.config.BackupSettings;
import io.github.cameld1backup.config.TargetSpec;
import io.github.cameld1backup.core.BackupProperties;
import io.github.cameld1backup.model.BackupRun;
import io.github.cameld1backup.model.IncrementalPlan;
import io.github.cameld1backup.model.Manifest;
import io.github.cameld1backup.schema.Column;
import io.github.cameld1backup.schema.Schema;
import io.github.cameld1backup.schema.SchemaExclusions;
import io.github.cameld1backup.schema.Table;
import io.github.cameld1backup.source.QueryResult;
import io.github.cameld1backup.store.BackupListing;
import java.io.IOException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Pattern;
import org.apache.camel.Body;
import org.apache.camel.ExchangeProperty;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Bean that decides, once the schema is known, whether a run is an incremental and of which parent,
 * and what each table records and reads: its watermark (backup.incremental.tables) and, in an
 * incremental, the runs of keys it still has. Answers the {@link KeyRuns} probes the route sends
 * before any row is read.
 *
 * <p>An incremental is taken as a full backup, and says why in the log and the manifest, when there
 * is no parent to build on: no earlier backup of the database in the first target, a schema changed
 * since it, an inexact parent (an export that could not carry every value), backup.full.every
 * elapsed since the newest full, or a table that could only be emptied and refilled although other
 * tables' foreign keys point at it.
 */
public class IncrementalPlanner {

    private static final Logger LOG = LoggerFactory.getLogger(IncrementalPlanner.class);

    private final BackupListing listing;

    public IncrementalPlanner(BackupListing listing) {
        this.listing = listing;
    }

    /** Body: the discovered schema. Answers the probes to run (none for a full backup without strategies). */
    public List<KeyRuns> plan(@Body Schema discovered, @ExchangeProperty(BackupProperties.RUN) BackupRun run)
            throws IOException {
        BackupSettings settings = run.settings();
        Schema schema = SchemaExclusions.apply(settings.exclusions(), discovered);
        Map<String, String> strategies = strategies(schema, settings.incrementalTables());
        Manifest parent = null;
        if (settings.incremental()) {
            List<Manifest> backups = listing.listFor(settings.primaryTarget(), settings);
            String refusal = refusal(schema, backups, settings);
            if (refusal != null) {
                run.forcedFull(refusal);
                LOG.warn("Backup {}: a full backup instead of an incremental: {}", run.id(), refusal);
            } else {
                parent = backups.get(0);
                LOG.info("Backup {}: incremental on top of {}", run.id(), parent.object());
            }
        }
        if (parent == null && strategies.isEmpty()) {
            return List.of();
        }
        IncrementalPlan plan = new IncrementalPlan(parent);
        List<KeyRuns> probes = new ArrayList<>();
        for (Table table : schema.dataOrder()) {
            String column = strategies.get(table.name().toLowerCase(Locale.ROOT));
            boolean keyed = keyed(table);
            if (parent == null && column == null) {
                continue; // a full backup records watermarks only
            }
            if (table.dataMode() != Table.DataMode.ROWS) {
                continue; // left out, rebuilt or contentless: nothing of their own to copy
            }
            String from = column == null || parent == null ? null : parentWatermark(parent, table.name(), column);
            IncrementalPlan.TablePlan tablePlan = new IncrementalPlan.TablePlan(table.name(), column, from, keyed,
                    column != null && notNull(table, column) && indexed(schema, table, column));
            plan.add(tablePlan);
            if (column != null || (parent != null && keyed)) {
                probes.add(new KeyRuns(table, tablePlan, parent != null && keyed));
            }
        }
        run.incremental(plan);
        return probes;
    }

    /** One answer to a probe (the exchange property keyRuns): its watermark and runs of keys recorded. */
    public void accept(@Body List<QueryResult> answers, @ExchangeProperty("keyRuns") KeyRuns probe) {
        probe.accept(answers);
    }

    /**
     * Why this run cannot be an incremental (null: it can, on top of the newest backup). The newest
     * backup is the parent whatever its kind, so a chain grows one link a run.
     */
    static String refusal(Schema schema, List<Manifest> backups, BackupSettings settings) {
        TargetSpec target = settings.primaryTarget();
        if (backups.isEmpty()) {
            return "no earlier backup of this database in " + target.describe();
        }
        Manifest newest = backups.get(0);
        String broken = brokenLink(newest, backups);
        if (broken != null) {
            return broken;
        }
        if (!schema.hash().equals(newest.schemaHash())) {
            return "the schema changed since " + newest.object();
        }
        if (!newest.exactCopy()) {
            return newest.object() + " is not an exact copy (" + String.join(", ", newest.inexact()) + ")";
        }
        Optional<Duration> every = settings.fullEvery();
        if (every.isPresent()) {
            Optional<Manifest> full = backups.stream().filter(m -> !m.incremental()).findFirst();
            if (full.isEmpty() || Instant.parse(full.get().startedAt()).plus(every.get()).isBefore(Instant.now())) {
                return full.map(m -> "the newest full backup, " + m.object() + ", is older than backup.full.every ("
                        + every.get() + ")").orElse("no full backup to build on");
            }
        }
        for (Table table : schema.tables()) {
            String name = table.name();
            if (newest.tables() != null && newest.tables().containsKey(name)
                    && table.dataMode() == Table.DataMode.EXCLUDED) {
                return "the rows of " + name + " are left out now (backup.exclude) but not in " + newest.object();
            }
            if (table.dataMode() == Table.DataMode.ROWS && !keyed(table) && !table.isVirtual() && referenced(schema, name)) {
                return "table " + name + " has no rowid, so an incremental can only empty and refill it, and foreign"
                        + " keys of other tables point at it";
            }
        }
        return null;
    }

    /**
     * Why the chain of {@code newest} could not be restored (null: it can, as far as the manifests tell):
     * a parent missing from the target, or stored with another SHA-256 than its child names.
     */
    static String brokenLink(Manifest newest, List<Manifest> backups) {
        Map<String, Manifest> byName = new java.util.HashMap<>();
        backups.forEach(m -> byName.put(m.object(), m));
        java.util.Set<String> seen = new java.util.HashSet<>();
        for (Manifest link = newest; link.incremental(); ) {
            if (!seen.add(link.object())) {
                return "the chain of " + newest.object() + " loops at " + link.object();
            }
            Manifest parent = link.parent() == null ? null : byName.get(link.parent().object());
            if (parent == null) {
                return "the chain of " + newest.object() + " is broken: " + (link.parent() == null ? "?"
                        : link.parent().object()) + ", the parent of " + link.object() + ", is missing";
            }
            if (!parent.sha256().equals(link.parent().sha256())) {
                return "the chain of " + newest.object() + " is broken: " + parent.object() + " is not the backup "
                        + link.object() + " was taken on top of (SHA-256 differs)";
            }
            link = parent;
        }
        return null;
    }

    /** Whether the table's rows are addressed by an integer rowid an incremental can delete by range. */
    static boolean keyed(Table table) {
        return !table.withoutRowid() && !table.isVirtual() && table.rowidName().isPresent();
    }

    private static boolean referenced(Schema schema, String name) {
        return schema.tables().stream().anyMatch(t -> !t.name().equalsIgnoreCase(name)
                && t.parents().stream().anyMatch(p -> p.equalsIgnoreCase(name)));
    }

    /** The parent's watermark of a table kept with the same column (null: the table is copied whole). */
    private static String parentWatermark(Manifest parent, String table, String column) {
        if (parent.changes() == null) {
            return null;
        }
        Manifest.TableChange change = parent.changes().entrySet().stream()
                .filter(e -> e.getKey().equalsIgnoreCase(table)).map(Map.Entry::getValue).findFirst().orElse(null);
        if (change == null || change.column() == null || !change.column().equalsIgnoreCase(column)) {
            return null;
        }
        return change.watermark();
    }

    /**
     * backup.incremental.tables checked against the schema, by lower-case table name: a table the
     * database lacks, a column its table lacks, or a table without an integer rowid is left out with a
     * warning (copied whole), never a failed backup.
     */
    static Map<String, String> strategies(Schema schema, Map<String, String> configured) {
        Map<String, String> out = new java.util.LinkedHashMap<>();
        configured.forEach((tableName, column) -> {
            Optional<Table> table = schema.tables().stream().filter(t -> t.name().equalsIgnoreCase(tableName)).findFirst();
            if (table.isEmpty()) {
                LOG.warn("backup.incremental.tables names table {}, which the database does not have", tableName);
                return;
            }
            Table t = table.get();
            Optional<Column> col = t.columns().stream().filter(c -> c.name().equalsIgnoreCase(column)).findFirst();
            if (col.isEmpty()) {
                LOG.warn("backup.incremental.tables: table {} has no column {}; it is copied whole", t.name(), column);
                return;
            }
            if (!keyed(t)) {
                LOG.warn("backup.incremental.tables: table {} has no integer rowid (WITHOUT ROWID or virtual), so rows"
                        + " deleted from it cannot be found by key; it is copied whole", t.name());
                return;
            }
            if (!col.get().name().equalsIgnoreCase(String.valueOf(t.rowidAlias())) && !indexed(schema, t, col.get().name())) {
                LOG.warn("backup.incremental.tables: no index of {} starts with {}: each incremental reads the whole"
                        + " table to find its changed rows (CREATE INDEX ... ON {}({}) makes it read only those)",
                        t.name(), col.get().name(), t.name(), col.get().name());
            }
            out.put(t.name().toLowerCase(Locale.ROOT), col.get().name());
        });
        return out;
    }

    private static boolean notNull(Table table, String column) {
        return table.columns().stream().anyMatch(c -> c.name().equalsIgnoreCase(column) && c.notNull());
    }

    /** Whether an index of the table has the column first (told from its CREATE INDEX text). */
    static boolean indexed(Schema schema, Table table, String column) {
        Pattern first = Pattern.compile("(?is)\\(\\s*[\"`\\[]?" + Pattern.quote(column) + "[\"`\\]]?\\s*[,)\\s]");
        return schema.indexes().stream().anyMatch(i -> i.tableName() != null && i.tableName().equalsIgnoreCase(table.name())
                && i.sql() != null && first.matcher(i.sql().substring(i.sql().indexOf('('))).lookingAt());
    }
}
