package io.github.cameld1backup.subject;

import io.github.cameld1backup.subject.SubjectDatabase.Shape;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.util.Set;
import org.sqlite.Function;

/** The SQL that finds the subject's own rows: the schema check, the WHERE condition, its parameters. */
final class SubjectMatches {

    /** The SQL function a {@link SubjectMatch.ByHash} registers on its connection for the one scan it takes. */
    static final String HASH_FUNCTION = "cameld1_subject_hash_in";

    private SubjectMatches() {
    }

    /** The match's table, checked to have the column; else why not, for this backup. */
    static Shape shape(SubjectDatabase db, SubjectMatch match) {
        Shape shape = db.shape(match.table()).orElseThrow(() -> new SubjectSchemaException(
                "no table \"" + match.table() + "\" in this backup"));
        if (!shape.has(match.column())) {
            throw new SubjectSchemaException("no column \"" + match.column() + "\" in table \"" + shape.name() + "\"");
        }
        return shape;
    }

    /**
     * {@code column = ?}: SQLite gives the parameter the column's affinity, so '42' finds 42 in an INTEGER
     * column. A column without affinity (no declared type, or BLOB) converts nothing, so there the text
     * of the stored value is compared too, or an id stored as 42 would never match '42'.
     */
    static String condition(Shape shape, SubjectMatch match) {
        String column = shape.columnSql(match.column());
        if (match instanceof SubjectMatch.ByHash) {
            return HASH_FUNCTION + "(CAST(" + column + " AS TEXT))";
        }
        return shape.withoutAffinity(match.column())
                ? "(" + column + " = ? OR CAST(" + column + " AS TEXT) = ?)"
                : column + " = ?";
    }

    static void bind(PreparedStatement statement, SubjectMatch match) throws SQLException {
        if (match instanceof SubjectMatch.ByValue byValue) {
            int parameters = statement.getParameterMetaData().getParameterCount();
            for (int i = 1; i <= parameters; i++) {
                statement.setString(i, byValue.predicate().value());
            }
        }
    }

    /** Registers what the match's condition calls (for a hash match, the hashing function); close to remove it. */
    static AutoCloseable register(Connection connection, SubjectMatch match) throws SQLException {
        if (!(match instanceof SubjectMatch.ByHash byHash)) {
            return () -> { };
        }
        Function.create(connection, HASH_FUNCTION, new HashIn(byHash.hashes(), byHash.key().hasher()), 1,
                Function.FLAG_DETERMINISTIC);
        return () -> Function.destroy(connection, HASH_FUNCTION, 1);
    }

    /** 1 when its argument's keyed hash is one of the set, else 0 (NULL matches nothing). */
    private static final class HashIn extends Function {

        private final Set<String> hashes;
        private final SubjectKey.Hasher hasher;

        HashIn(Set<String> hashes, SubjectKey.Hasher hasher) {
            this.hashes = hashes;
            this.hasher = hasher;
        }

        @Override
        protected void xFunc() throws SQLException {
            String text = value_text(0);
            result(text != null && hashes.contains(hasher.hash(text)) ? 1 : 0);
        }
    }
}
