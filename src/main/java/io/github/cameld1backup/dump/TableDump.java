package io.github.cameld1backup.dump;

import io.github.cameld1backup.sql.SqlDumpWriter;

/**
 * One table, or segment of a table, in progress: where its paging stands, the INSERTs being written
 * for it, and where they go.
 */
public record TableDump(TableCursor cursor, InsertWriter inserts, SqlDumpWriter out, TableSegment segment) {
}
