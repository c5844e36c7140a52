package io.github.cameld1backup.incremental;

import io.github.cameld1backup.model.IncrementalPlan;
import io.github.cameld1backup.schema.Table;
import io.github.cameld1backup.source.QueryResult;
import io.github.cameld1backup.source.SqlBatch;
import io.github.cameld1backup.sql.SqlText;
import java.util.ArrayList;
import java.util.List;

/**
 * What an incremental reads of a table before its rows: the watermark column's largest value (rows
 * written later have one at least as large), and the runs of rowids the table has, read as keys only
 * ({@code lead(rowid)} over the rowid order: one answer row a gap, not a row). Every rowid outside
 * those runs is one the restored parent must not keep, so the incremental deletes those ranges.
 *
 * <p>Rowids come as text: D1's JSON would round integers above 2^53.
 */
public final class KeyRuns {

    /** Gaps an answer holds at most; more come in further pages, each starting where the last ended. */
    static final int GAPS_PER_PAGE = 20_000;

    private final Table table;
    private final IncrementalPlan.TablePlan plan;
    private final boolean keys;
    private final String rowid;
    private boolean first = true;
    private boolean more = true;
    /** The start of the run being read (a present rowid); null before the first page. */
    private Long runStart;

    KeyRuns(Table table, IncrementalPlan.TablePlan plan, boolean keys) {
        this.table = table;
        this.plan = plan;
        this.keys = keys;
        this.rowid = table.rowidName().orElse("rowid");
    }

    public boolean hasMore() {
        return more;
    }

    public SqlBatch nextPage() {
        List<String> statements = new ArrayList<>();
        String t = SqlText.identifier(table.name());
        if (first && plan.column() != null) {
            statements.add("SELECT quote(max(" + SqlText.identifier(plan.column()) + ")) AS w FROM " + t);
        }
        if (keys) {
            if (first) {
                statements.add("SELECT CAST(min(" + rowid + ") AS TEXT) AS k FROM " + t);
            }
            String from = runStart == null ? "" : " WHERE " + rowid + " >= " + runStart;
            statements.add("SELECT CAST(k AS TEXT) AS k, CAST(n AS TEXT) AS n FROM (SELECT " + rowid + " AS k, lead("
                    + rowid + ") OVER (ORDER BY " + rowid + ") AS n FROM " + t + from + ") WHERE n IS NULL OR n > k + 1"
                    + " LIMIT " + GAPS_PER_PAGE);
        }
        return new SqlBatch(statements);
    }

    public void accept(List<QueryResult> answers) {
        int at = 0;
        if (first && plan.column() != null) {
            Object w = answers.get(at++).rows().get(0).get(0);
            String literal = QueryResult.text(w);
            plan.watermark("NULL".equals(literal) ? null : literal);
        }
        if (!keys) {
            first = false;
            more = false;
            return;
        }
        if (first) {
            String min = QueryResult.text(answers.get(at++).rows().get(0).get(0));
            first = false;
            if (min == null) { // an empty table
                plan.keysRead();
                more = false;
                return;
            }
            runStart = Long.parseLong(min);
        }
        List<List<Object>> gaps = answers.get(at).rows();
        for (List<Object> gap : gaps) {
            long end = Long.parseLong(QueryResult.text(gap.get(0)));
            plan.present(runStart, end);
            String next = QueryResult.text(gap.get(1));
            if (next == null) {
                more = false;
                return;
            }
            runStart = Long.parseLong(next);
        }
        more = gaps.size() >= GAPS_PER_PAGE;
        if (!more) {
            throw new IllegalStateException("the rowids of " + table.name() + " changed while they were read");
        }
    }

    public Table table() {
        return table;
    }
}
