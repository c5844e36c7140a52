package io.github.cameld1backup.dump;

import io.github.cameld1backup.model.IncrementalPlan;
import io.github.cameld1backup.schema.Column;
import io.github.cameld1backup.schema.Schema;
import io.github.cameld1backup.schema.SchemaObject;
import io.github.cameld1backup.schema.Table;
import io.github.cameld1backup.sql.SqlDumpWriter;
import io.github.cameld1backup.sql.SqlText;
import java.util.ArrayList;
import java.util.List;

/**
 * The statements only an incremental dump has. It applies on top of its restored parent, whose
 * schema it shares, so it creates no table, index or view. In order:
 * <ol>
 *   <li>every trigger dropped, so none fires while rows change (recreated at the end, as the schema has them);</li>
 *   <li>the deletes, children's tables before their parents' (a restore into D1 commits request by request,
 *       and a row must not lose its parent in between): for a table with an integer rowid, every rowid range
 *       the table did not have when its keys were read; a table without one (virtual, WITHOUT ROWID that no
 *       foreign key points at) is emptied and refilled;</li>
 *   <li>the rows, parents first, as upserts on the rowid: an existing row is updated in place, so no
 *       foreign key action (ON DELETE CASCADE) touches the rows that point at it.</li>
 * </ol>
 */
final class IncrementalDump {

    /** Ranges a DELETE names at most: SQLite caps an expression's depth at 1000, and an OR chain is that deep. */
    static final int TERMS = 500;

    private IncrementalDump() {
    }

    static void dropTriggers(Schema schema, SqlDumpWriter out) {
        for (SchemaObject trigger : schema.triggers()) {
            out.statement("DROP TRIGGER IF EXISTS " + SqlText.identifier(trigger.name()));
        }
    }

    /** The deletes of every planned table, in reverse data order. */
    static void deletes(Schema schema, IncrementalPlan plan, SqlDumpWriter out) {
        List<Table> order = new ArrayList<>(schema.dataOrder());
        java.util.Collections.reverse(order);
        for (Table table : order) {
            IncrementalPlan.TablePlan tablePlan = plan.table(table.name());
            if (tablePlan == null) {
                continue;
            }
            String t = SqlText.identifier(table.name());
            if (!tablePlan.keyed() || tablePlan.presentKeys().isEmpty()) {
                out.statement("DELETE FROM " + t);
                continue;
            }
            String rowid = table.rowidName().orElseThrow();
            List<long[]> present = tablePlan.presentKeys();
            out.statement("DELETE FROM " + t + " WHERE " + rowid + " < " + present.get(0)[0] + " OR " + rowid + " > "
                    + present.get(present.size() - 1)[1]);
            String head = "DELETE FROM " + t + " WHERE ";
            StringBuilder ranges = new StringBuilder();
            int terms = 0;
            for (int i = 1; i < present.size(); i++) {
                long from = present.get(i - 1)[1] + 1;
                long to = present.get(i)[0] - 1;
                String range = from == to ? rowid + " = " + from : rowid + " BETWEEN " + from + " AND " + to;
                if (ranges.length() > 0 && (terms == TERMS || SqlText.utf8Length(head + ranges + " OR " + range) > out.room())) {
                    out.statement(head + ranges);
                    ranges.setLength(0);
                    terms = 0;
                }
                terms++;
                ranges.append(ranges.length() > 0 ? " OR " : "").append(range);
            }
            if (ranges.length() > 0) {
                out.statement(head + ranges);
            }
        }
    }

    /**
     * What follows the rows of an INSERT into a table with an integer rowid: on a rowid the parent has,
     * update that row's columns.
     */
    static String upsert(Table table) {
        List<String> set = new ArrayList<>();
        for (Column c : table.insertableColumns()) {
            if (table.rowidAlias() != null && c.name().equals(table.rowidAlias())) {
                continue;
            }
            String column = SqlText.identifier(c.name());
            set.add(column + "=excluded." + column);
        }
        return " ON CONFLICT(" + table.rowidName().orElseThrow() + ") DO "
                + (set.isEmpty() ? "NOTHING" : "UPDATE SET " + String.join(",", set));
    }

    /** Triggers come back last, as in a full dump. */
    static void createTriggers(Schema schema, SqlDumpWriter out) {
        for (SchemaObject trigger : schema.triggers()) {
            out.statement(SqlText.schemaStatement(trigger.sql()));
        }
    }
}
