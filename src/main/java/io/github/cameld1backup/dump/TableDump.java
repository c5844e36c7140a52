package io.github.cameld1backup.dump;

/** One table in progress: where its paging stands, and the INSERTs being written for it. */
public record TableDump(TableCursor cursor, InsertWriter inserts) {
}
