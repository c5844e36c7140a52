package io.github.cameld1backup.schema;

/**
 * A table's lowest and highest rowid when its schema was read: where to cut a large table into
 * segments read side by side. Only a hint (rows may come and go meanwhile): segments always cover
 * every rowid, so a stale span changes how evenly the work is shared, never what is copied.
 */
public record RowidSpan(long first, long last) {
}
