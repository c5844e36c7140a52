package io.github.cameld1backup.schema;

/** A column from {@code PRAGMA table_xinfo}. {@code hidden}: 1 hidden (virtual tables), 2/3 generated. */
public record Column(String name, String declaredType, int primaryKeyPosition, int hidden) {

    /** Only ordinary columns go in an INSERT: generated and hidden ones cannot be written. */
    public boolean insertable() {
        return hidden == 0;
    }
}
