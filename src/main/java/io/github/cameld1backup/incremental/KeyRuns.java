package io.github.cameld1backup.incremental;

import io.github.cameld1backup.model.IncrementalPlan;
import io.github.cameld1backup.schema.Table;
import io.github.cameld1backup.source.QueryResult;
import io.github.cameld1backup.source.SqlBatch;
import io.github.cameld1backup.sql.SqlText;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * What an incremental reads of a table before its rows: the watermark column's largest value (rows
 * written later have one at least as large), and the table's rowids, read as keys only and handed
 * over joined in one string a page ({@code group_concat}: one answer row, not one a key). D1 bills
 * each key once, as it would a row; a window function over the keys ({@code lead(rowid)}) would
 * answer only the gaps but was billed four times the rows (measured on workerd's D1). Every rowid
 * outside the runs of keys read is one the restored parent must not keep: the incremental deletes
 * those ranges.
 *
 * <p>Rowids come as text: D1's JSON would round integers above 2^53.
 */
public final class KeyRuns {

    /**
     * Keys a page reads at most: a rowid is at most 20 characters with its comma, and D1 refuses a
     * string over 2,000,000 bytes.
     */
    static final int KEYS_PER_PAGE = 90_000;

    private final Table table;
    private final IncrementalPlan.TablePlan plan;
    private final boolean keys;
    private final String rowid;
    private boolean first = true;
    private boolean more = true;
    /** The last rowid read; null before the first page. */
    private Long last;

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
            String after = last == null ? "" : " WHERE " + rowid + " > " + last;
            statements.add("SELECT count(*) AS n, group_concat(k) AS keys FROM (SELECT " + rowid + " AS k FROM " + t
                    + after + " ORDER BY " + rowid + " LIMIT " + KEYS_PER_PAGE + ")");
        }
        return new SqlBatch(statements);
    }

    public void accept(List<QueryResult> answers) {
        int at = 0;
        if (first && plan.column() != null) {
            String literal = QueryResult.text(answers.get(at++).rows().get(0).get(0));
            plan.watermark("NULL".equals(literal) ? null : literal);
        }
        first = false;
        if (!keys) {
            more = false;
            return;
        }
        plan.keysRead();
        List<Object> page = answers.get(at).rows().get(0);
        long count = QueryResult.number(page.get(0));
        String joined = QueryResult.text(page.get(1));
        if (count > 0) {
            String[] parts = joined.split(",");
            long[] sorted = new long[parts.length];
            for (int i = 0; i < parts.length; i++) {
                sorted[i] = Long.parseLong(parts[i]);
            }
            Arrays.sort(sorted); // group_concat's order is not promised
            long start = sorted[0];
            for (int i = 1; i < sorted.length; i++) {
                if (sorted[i] != sorted[i - 1] + 1) {
                    plan.present(start, sorted[i - 1]);
                    start = sorted[i];
                }
            }
            plan.present(start, sorted[sorted.length - 1]);
            last = sorted[sorted.length - 1];
        }
        more = count >= KEYS_PER_PAGE;
    }

    public Table table() {
        return table;
    }
}
