package io.github.cameld1backup.subject;

/**
 * The predicate's table or column is not in this database: a backup older than the table, or a
 * mistyped name. Says which, never the value.
 */
public class SubjectSchemaException extends RuntimeException {

    public SubjectSchemaException(String message) {
        super(message);
    }
}
