package io.github.cameld1backup.schema;

/** A row of sqlite_master: type (table, index, view, trigger), name, owning table, CREATE text. */
public record SchemaObject(String type, String name, String tableName, String sql) {
}
