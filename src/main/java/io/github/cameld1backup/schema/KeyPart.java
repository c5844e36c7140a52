package io.github.cameld1backup.schema;

/** One column of a WITHOUT ROWID table's primary key, in key order, from {@code PRAGMA index_xinfo}. */
public record KeyPart(String column, boolean descending, String collation) {
}
