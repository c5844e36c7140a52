package io.github.cameld1backup.observe;

import io.github.cameld1backup.core.BackupProperties;
import io.github.cameld1backup.dump.DumpListener;
import io.github.cameld1backup.model.BackupRun;
import io.github.cameld1backup.dump.TableDump;
import io.github.cameld1backup.dump.TableParts;
import io.github.cameld1backup.schema.Table;
import io.github.cameld1backup.source.QueryResult;
import io.github.cameld1backup.source.SqlBatch;
import io.github.cameld1backup.sql.SqlText;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.WeakHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;
import java.util.function.Supplier;
import org.apache.camel.Exchange;
import org.apache.camel.ProducerTemplate;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Bean that reports how a backup is getting on: a log line when a table ends and at most every
 * {@code interval} in between (checked as pages arrive, never per row), and a {@link Progress} for
 * each page to listeners (the command line's progress bar).
 *
 * <p>The ETA needs the rows still to read. Counting them would read every row twice (D1 bills rows
 * read), so once a run has lasted one interval (at once when someone listens) it asks for each
 * table's largest rowid, one row read per table: with rowids from 1 up, that is the table's row
 * count, or more if rows were deleted, so the ETA errs long. Tables without rowids (WITHOUT ROWID,
 * most virtual tables) cannot be estimated that way; then the ETA is "unknown".
 */
public class BackupProgress implements DumpListener {

    public static final String BEAN = "backupProgress";
    private static final Logger LOG = LoggerFactory.getLogger(BackupProgress.class);
    /** Tables per estimate statement: far below D1's 100 KB statement limit. */
    private static final int TABLES_PER_STATEMENT = 50;

    private final Supplier<ProducerTemplate> templates;
    private final Clock clock;
    private final Duration interval;
    private final Map<BackupRun, State> states = Collections.synchronizedMap(new WeakHashMap<>());
    private final List<Consumer<Progress>> listeners = new CopyOnWriteArrayList<>();

    /** Per run: when it last logged, and the rows estimated per table (null until asked, empty if unknown). */
    private static final class State {
        Instant lastLog;
        Map<String, Long> estimates;
    }

    public BackupProgress(Supplier<ProducerTemplate> templates, Clock clock, Duration interval) {
        this.templates = templates;
        this.clock = clock;
        this.interval = interval;
    }

    /** Adds a listener told of every page; closing the handle removes it. */
    public AutoCloseable listen(Consumer<Progress> listener) {
        listeners.add(listener);
        return () -> listeners.remove(listener);
    }

    /** A page of {@code dump}'s table was written. */
    @Override
    public void pageWritten(BackupRun run, TableDump dump) {
        report(run, dump, null);
    }

    /** {@code dump}'s table is finished (already counted by the run; {@code done}: its totals and number): always logged. */
    @Override
    public void tableDone(BackupRun run, TableDump dump, TableParts.TableDone done) {
        report(run, dump, done);
    }

    /** @param done the finished table's totals and number, or null for a page of a table still going */
    private void report(BackupRun run, TableDump dump, TableParts.TableDone done) {
        boolean tableDone = done != null;
        State state = states.computeIfAbsent(run, r -> new State());
        Instant now = clock.instant();
        Progress p;
        boolean due;
        // Tables are dumped side by side: one thread asks for the estimate and decides each line.
        synchronized (state) {
            if (state.lastLog == null) {
                state.lastLog = run.startedAt();
            }
            due = !now.isBefore(state.lastLog.plus(interval));
            if (state.estimates == null && (due || !listeners.isEmpty())) {
                state.estimates = estimate(run);
            }
            p = progress(run, dump, tableDone, state.estimates, now);
            if (tableDone) {
                p = p.numbered(done.number());
            }
            if (tableDone || due) {
                state.lastLog = now;
            }
            // Logged under the lock so the lines come in the order their figures were taken: the last is the latest.
            if (tableDone) {
                LOG.info("Table {} of {} ({}) done, {} rows in {} pages; so far {}", p.tableNumber(), p.tables(),
                        p.table(), done.rows() == null ? 0 : done.rows(), done.pages(), p.rates());
            } else if (due) {
                LOG.info("Backup {} of {}: {}", run.id(), run.databaseName(), p.describe());
            }
        }
        for (Consumer<Progress> listener : listeners) {
            try {
                listener.accept(p);
            } catch (RuntimeException e) {
                LOG.debug("Progress listener failed: {}", e.toString());
            }
        }
    }

    /** Where the run stands; {@code estimates} null or missing a table still to read: no ETA. */
    static Progress progress(BackupRun run, TableDump dump, boolean tableDone, Map<String, Long> estimates, Instant now) {
        Table current = dump.cursor().table();
        int tables = run.schema().tables().size();
        long rows = run.rows() + (tableDone ? 0 : dump.cursor().rows());
        long remaining = remaining(run, current, tableDone ? 0 : dump.cursor().rows(), estimates);
        return new Progress(run.id(), run.databaseName(), current.name(), tableDone ? run.tablesDone()
                : run.tablesDone() + 1, tables, tableDone, rows, run.writer().bytes(),
                Duration.between(run.startedAt(), now), remaining);
    }

    private static long remaining(BackupRun run, Table current, long currentRows, Map<String, Long> estimates) {
        if (estimates == null) {
            return -1;
        }
        long remaining = 0;
        for (Table t : run.schema().tables()) {
            if (t.dataMode() != Table.DataMode.ROWS || run.tableRows().containsKey(t.name())) {
                continue; // nothing to read, or read already
            }
            Long estimate = estimates.get(t.name());
            if (estimate == null) {
                return -1;
            }
            remaining += t.name().equals(current.name()) ? Math.max(0, estimate - currentRows) : estimate;
        }
        return remaining;
    }

    /**
     * The statements that read each unfinished table's largest rowid; empty when some table has no
     * rowid to read.
     */
    static List<String> estimateStatements(List<Table> tables) {
        List<String> parts = new ArrayList<>();
        for (Table t : tables) {
            if (t.dataMode() != Table.DataMode.ROWS) {
                continue;
            }
            // Virtual tables answer ORDER BY rowid cheaply only for full-text modules.
            if (t.withoutRowid() || t.isVirtual() && !t.isFullText() || t.rowidName().isEmpty()) {
                return List.of();
            }
            String rowid = t.rowidName().get();
            parts.add("SELECT " + SqlText.string(t.name()) + " AS t, (SELECT " + rowid + " FROM "
                    + SqlText.identifier(t.name()) + " ORDER BY " + rowid + " DESC LIMIT 1) AS n");
        }
        List<String> statements = new ArrayList<>();
        for (int i = 0; i < parts.size(); i += TABLES_PER_STATEMENT) {
            statements.add(String.join(" UNION ALL ", parts.subList(i, Math.min(parts.size(), i + TABLES_PER_STATEMENT))));
        }
        return statements;
    }

    /** Asks the source for the estimate (one request); an empty map when it cannot be had. */
    @SuppressWarnings("unchecked")
    private Map<String, Long> estimate(BackupRun run) {
        List<String> statements = estimateStatements(run.schema().tables());
        if (statements.isEmpty()) {
            return Map.of();
        }
        Exchange answer = templates.get().send("direct:query", e -> {
            e.setProperty(BackupProperties.RUN, run);
            e.setProperty(BackupProperties.SETTINGS, run.settings());
            e.setProperty(BackupProperties.D1_DATABASE, run.source().location());
            e.getMessage().setBody(new SqlBatch(statements));
        });
        if (answer.getException() != null) {
            LOG.debug("No row estimate for the ETA: {}", answer.getException().getMessage());
            return Map.of();
        }
        Map<String, Long> estimates = new HashMap<>();
        for (QueryResult result : (List<QueryResult>) answer.getMessage().getBody(List.class)) {
            for (List<Object> row : result.rows()) {
                Object n = row.get(result.columnIndex("n"));
                estimates.put(QueryResult.text(row.get(result.columnIndex("t"))), n == null ? 0 : Math.max(0, QueryResult.number(n)));
            }
        }
        return estimates;
    }
}
