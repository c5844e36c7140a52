package io.github.cameld1backup.schema;

/**
 * A column from {@code PRAGMA table_xinfo}. {@code hidden}: 1 hidden (virtual tables), 2/3 generated.
 * {@code leftOut}: its values are not backed up (backup.exclude).
 */
public record Column(String name, String declaredType, int primaryKeyPosition, int hidden, boolean notNull,
                     boolean hasDefault, boolean leftOut) {

    public Column(String name, String declaredType, int primaryKeyPosition, int hidden) {
        this(name, declaredType, primaryKeyPosition, hidden, false, false, false);
    }

    /** Only ordinary columns go in an INSERT: generated and hidden ones cannot be written, left-out ones are not. */
    public boolean insertable() {
        return hidden == 0 && !leftOut;
    }

    public Column excluded() {
        return new Column(name, declaredType, primaryKeyPosition, hidden, notNull, hasDefault, true);
    }
}
