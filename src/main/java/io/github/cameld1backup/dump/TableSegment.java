package io.github.cameld1backup.dump;

import io.github.cameld1backup.schema.RowidSpan;
import io.github.cameld1backup.schema.Table;
import java.math.BigInteger;
import java.util.ArrayList;
import java.util.List;

/**
 * What one thread of the dump reads: a whole table, or one rowid range of a large one. A rowid table
 * spanning at least twice {@code backup.parallel.split.rows} rowids is cut into up to
 * {@code backup.parallelism} segments, each paged by keyset within its range, so its pages are read
 * side by side; its data is still written in rowid order. The first segment has no lower bound and
 * the last no upper one, so the segments cover every rowid whatever happened since the span was read.
 *
 * @param after   the rowid the segment starts after (null: from the first row)
 * @param through the last rowid of the segment (null: to the last row)
 */
public record TableSegment(Table table, int number, int count, Long after, Long through) {

    /** The segments of the tables, in dump order. */
    public static List<TableSegment> plan(List<Table> tables, int parallelism, long splitRows) {
        List<TableSegment> segments = new ArrayList<>();
        for (Table table : tables) {
            RowidSpan span = table.rowidSpan();
            if (span == null || span.last() < span.first() || table.dataMode() != Table.DataMode.ROWS
                    || table.rowidName().isEmpty()) {
                segments.add(new TableSegment(table, 0, 1, null, null));
                continue;
            }
            // In exact arithmetic: rowids may sit anywhere in 64 bits. Cuts at first - 1 + width * i / count.
            BigInteger first = BigInteger.valueOf(span.first());
            BigInteger width = BigInteger.valueOf(span.last()).subtract(first).add(BigInteger.ONE);
            int count = width.divide(BigInteger.valueOf(splitRows)).min(BigInteger.valueOf(parallelism)).intValue();
            if (count < 2) {
                segments.add(new TableSegment(table, 0, 1, null, null));
                continue;
            }
            Long previous = null;
            for (int i = 0; i < count; i++) {
                Long through = i == count - 1 ? null : first.subtract(BigInteger.ONE)
                        .add(width.multiply(BigInteger.valueOf(i + 1)).divide(BigInteger.valueOf(count))).longValueExact();
                segments.add(new TableSegment(table, i, count, previous, through));
                previous = through;
            }
        }
        return segments;
    }

    public boolean first() {
        return number == 0;
    }
}
