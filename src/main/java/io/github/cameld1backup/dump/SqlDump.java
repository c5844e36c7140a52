package io.github.cameld1backup.dump;

import io.github.cameld1backup.core.BackupProperties;
import io.github.cameld1backup.model.BackupRun;
import io.github.cameld1backup.model.IncrementalPlan;
import io.github.cameld1backup.config.SourceSpec;
import io.github.cameld1backup.schema.Schema;
import io.github.cameld1backup.schema.SchemaExclusions;
import io.github.cameld1backup.schema.SchemaObject;
import io.github.cameld1backup.schema.Table;
import io.github.cameld1backup.source.QueryResult;
import io.github.cameld1backup.sql.SqlDumpWriter;
import io.github.cameld1backup.sql.SqlText;
import java.io.IOException;
import java.time.format.DateTimeFormatter;
import java.util.List;
import java.util.Map;
import org.apache.camel.Body;
import org.apache.camel.Exchange;
import org.apache.camel.ExchangeProperty;
import org.apache.camel.support.SynchronizationAdapter;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Bean that formats the dump, in the order a restore needs (and D1's import accepts):
 * {@code PRAGMA defer_foreign_keys}, every CREATE TABLE, the data, sqlite_sequence, full-text
 * rebuilds, indexes, views, and triggers last, so no trigger fires while the data goes in and an
 * INSTEAD OF trigger follows its view. No BEGIN/COMMIT, no writable_schema.
 */
public class SqlDump {

    public static final String TABLE = "tableDump";
    /** The run's {@link TableParts}: tables may be dumped in parallel, their data lands in order. */
    public static final String PARTS = "tableParts";
    /**
     * The last statement of every complete dump: a file without it was cut short. A statement, not a
     * comment: D1 fails a whole request whose text ends in a comment ("SQL code did not contain a
     * statement"). It has no effect (foreign key checks are deferred already, by the dump's first
     * statement, which is written differently) and no output, and every loader takes it: sqlite3, D1's
     * {@code /query} and import, {@code wrangler d1 execute}. See {@link DumpEnd} for reading it.
     */
    public static final String END_STATEMENT = "PRAGMA defer_foreign_keys = on";
    /** The last line of every complete dump (its end statement); a file without it was cut short. */
    public static final String END_MARKER = END_STATEMENT + ";";
    /** The last line of dumps written by earlier versions, a comment: such dumps are complete too. */
    public static final String LEGACY_END_MARKER = "-- camel-d1-backup: end of dump";
    /** Header line saying how to tell a complete dump (no names, quotes or semicolons: see SqlDumpWriter#comment). */
    public static final String END_NOTE = "Complete only if its last statement is " + END_STATEMENT + " (end of dump)";
    private static final Logger LOG = LoggerFactory.getLogger(SqlDump.class);

    private final DumpListener progress;

    public SqlDump(DumpListener progress) {
        this.progress = progress;
    }

    /**
     * Writes the head and every CREATE TABLE; answers the tables in data order, large ones cut into
     * segments (see {@link TableSegment}), for the splitter. The database's exclusions (backup.exclude)
     * are applied here: the schema stays whole.
     */
    public List<TableSegment> writeHead(@Body Schema discovered, @ExchangeProperty(BackupProperties.RUN) BackupRun run,
                                 Exchange exchange) {
        Schema schema = SchemaExclusions.apply(run.settings().exclusions(), discovered);
        run.schema(schema);
        SqlDumpWriter out = run.writer();
        // The header: fixed text, the version and the time, no names (a name may hold a quote or a semicolon).
        IncrementalPlan plan = run.incremental();
        boolean incremental = plan != null && plan.incremental();
        out.comment("camel-d1-backup " + version() + (incremental ? " incremental" : "") + " dump taken "
                + DateTimeFormatter.ISO_INSTANT.format(run.startedAt()));
        out.comment(incremental
                ? "Restore: apply on top of its parent named in its manifest, after the parent, or use camel-d1-backup restore"
                : "Restore: sqlite3 NEW.db < FILE, or wrangler d1 execute DB --remote --file FILE");
        out.comment(END_NOTE);
        out.statement("PRAGMA defer_foreign_keys=TRUE");
        if (incremental) {
            IncrementalDump.dropTriggers(schema, out);
            IncrementalDump.deletes(schema, plan, out);
        } else {
            for (Table table : schema.tables()) {
                out.statement(SqlText.schemaStatement(table.object().sql()));
            }
        }
        // An incremental reads few rows a table, some in their watermark's order: each table is one segment.
        List<TableSegment> order = TableSegment.plan(schema.dataOrder(), incremental ? 1 : run.settings().readersAtOnce(),
                run.settings().parallelSplitRows());
        TableParts parts = new TableParts(run, order);
        exchange.setProperty(PARTS, parts);
        exchange.getExchangeExtension().addOnCompletion(new SynchronizationAdapter() {
            @Override
            public void onFailure(Exchange failed) {
                parts.discard(failed.getException());
            }
        });
        return order;
    }

    public TableDump startTable(@Body TableSegment segment, @ExchangeProperty(PARTS) TableParts parts,
                                @ExchangeProperty(BackupProperties.RUN) BackupRun run) {
        Table table = segment.table();
        SqlDumpWriter out = parts.open(segment);
        // No comments among the data: D1 counts a comment toward the statement after it, and a name in
        // one (a quote, a semicolon) has broken its parser.
        if (table.dataMode() == Table.DataMode.EXCLUDED && segment.first()) {
            LOG.info("Rows of table {} left out (backup.exclude)", table.name());
        } else if (table.dataMode() == Table.DataMode.NONE) {
            LOG.warn("Table {} is a contentless full-text index: its text is not stored, so it is restored empty",
                    table.name());
        }
        IncrementalPlan.TablePlan planned = incrementalPlan(run, table);
        TableCursor.Watermark filter = planned == null || planned.from() == null ? null
                : new TableCursor.Watermark(planned.column(), planned.from(),
                        planned.column().equalsIgnoreCase(String.valueOf(table.rowidAlias())) ? TableCursor.Order.ROWID
                                : planned.indexed() ? TableCursor.Order.INDEX : TableCursor.Order.SCAN);
        TableCursor cursor = new TableCursor(segment, run.settings().pageSizing(),
                run.source().kind().equals(SourceSpec.SQLITE), filter);
        String staging = InsertWriter.stagingTable(run.schema().tables());
        InsertWriter inserts = planned != null && planned.keyed()
                ? new InsertWriter(out, table, staging, IncrementalDump.upsert(table))
                : new InsertWriter(out, table, staging);
        return new TableDump(cursor, inserts, out, segment);
    }

    public void writePage(@Body List<QueryResult> page, @ExchangeProperty(TABLE) TableDump dump,
                          @ExchangeProperty(BackupProperties.RUN) BackupRun run) {
        if (dump.cursor().tuples()) {
            for (byte[] tuple : dump.cursor().acceptTuples(page.get(0))) {
                dump.inserts().tuple(tuple);
            }
        } else {
            for (List<String> row : dump.cursor().accept(page.get(0))) {
                dump.inserts().row(row);
            }
        }
        progress.pageWritten(run, dump);
    }

    public void endTable(@ExchangeProperty(TABLE) TableDump dump, @ExchangeProperty(PARTS) TableParts parts,
                         @ExchangeProperty(BackupProperties.RUN) BackupRun run, Exchange exchange) throws IOException {
        // The splitter keeps each table's exchange until all are done: let go of its last page now.
        exchange.getMessage().setBody(null);
        exchange.removeProperty(TABLE);
        dump.inserts().flush();
        dump.out().flush(); // outside the locks below: a part may wait here for room until its turn
        Table table = dump.cursor().table();
        IncrementalPlan.TablePlan planned = run.incremental() == null ? null : run.incremental().table(table.name());
        if (planned != null) {
            planned.rows(dump.cursor().rows());
        }
        // Rebuilt or contentless full-text tables hold no rows of their own to count. The table's number in
        // "table i of n" comes from the run's count as it took this table, so lines of tables finishing
        // together each have their own.
        TableParts.TableDone done = parts.close(dump.segment(), dump.out(),
                table.dataMode() == Table.DataMode.ROWS ? dump.cursor().rows() : null, dump.cursor().pages());
        if (done != null) {
            progress.tableDone(run, dump, done);
        }
    }

    /** Counters, rebuilds, indexes, views and triggers; then the end statement. */
    public void writeTail(@ExchangeProperty(BackupProperties.RUN) BackupRun run) {
        Schema schema = run.schema();
        SqlDumpWriter out = run.writer();
        for (Map.Entry<String, String> seq : schema.sequences().entrySet()) {
            String name = SqlText.string(seq.getKey());
            out.statement("DELETE FROM sqlite_sequence WHERE name = " + name);
            out.statement("INSERT INTO sqlite_sequence(name, seq) VALUES(" + name + ", " + seq.getValue() + ")");
        }
        for (Table table : schema.tables()) {
            if (table.dataMode() == Table.DataMode.REBUILD) {
                String t = SqlText.identifier(table.name());
                out.statement("INSERT INTO " + t + "(" + t + ") VALUES('rebuild')");
            }
        }
        if (incrementalPlan(run) != null) {
            IncrementalDump.createTriggers(schema, out); // indexes and views are the parent's
        } else {
            for (List<SchemaObject> objects : List.of(schema.indexes(), schema.views(), schema.triggers())) {
                for (SchemaObject o : objects) {
                    out.statement(SqlText.schemaStatement(o.sql()));
                }
            }
        }
        out.statement(END_STATEMENT);
    }

    /** The run's incremental plan; null for a full backup. */
    private static IncrementalPlan incrementalPlan(BackupRun run) {
        IncrementalPlan plan = run.incremental();
        return plan != null && plan.incremental() ? plan : null;
    }

    /** A table's plan in an incremental run; null in a full backup or for a table copied as a full dump copies it. */
    private static IncrementalPlan.TablePlan incrementalPlan(BackupRun run, Table table) {
        IncrementalPlan plan = incrementalPlan(run);
        return plan == null ? null : plan.table(table.name());
    }

    /** The tool's version, as the jar names it ({@code dev} when run from classes). */
    static String version() {
        String v = SqlDump.class.getPackage().getImplementationVersion();
        return v == null ? "dev" : v;
    }
}
