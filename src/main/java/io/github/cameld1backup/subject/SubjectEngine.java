package io.github.cameld1backup.subject;

import io.github.cameld1backup.schema.Table;
import io.github.cameld1backup.sql.SqlText;
import io.github.cameld1backup.subject.SubjectClosure.Action;
import io.github.cameld1backup.subject.SubjectClosure.Found;
import io.github.cameld1backup.subject.SubjectClosure.Member;
import io.github.cameld1backup.subject.SubjectDatabase.Shape;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.sqlite.SQLiteConfig;

/**
 * Finds and erases a data subject in one SQLite database file: the rows the predicate matches and,
 * transitively, the rows that reference them through foreign keys and the configured references.
 *
 * <p>Erasing follows each foreign key's ON DELETE action (CASCADE deletes, SET NULL and SET DEFAULT
 * update, RESTRICT and NO ACTION delete the referencing rows as well, since the subject must go) unless
 * a policy for the table says otherwise; it runs in one transaction with secure_delete on, brings the
 * full-text indexes up to date and merges their segments so that none keeps the erased text, and
 * refuses to commit a database whose foreign keys it would leave broken. It does not VACUUM: that
 * renumbers the rowids of tables without an INTEGER PRIMARY KEY. Triggers fire as they would for the
 * application's own DELETE.
 */
public class SubjectEngine {

    private final SubjectSettings settings;

    public SubjectEngine(SubjectSettings settings) {
        this.settings = settings;
    }

    /** The subject's rows and what references them, read-only. */
    public SubjectFindResult find(Path sqliteFile, SubjectPredicate predicate, boolean force) {
        return find(sqliteFile, new SubjectMatch.ByValue(predicate), force);
    }

    /** The same for any match: by keyed hash, whether an erasure ledger's subject is (still) in a database. */
    public SubjectFindResult find(Path sqliteFile, SubjectMatch match, boolean force) {
        try (Connection connection = open(sqliteFile, true)) {
            SubjectDatabase db = SubjectDatabase.read(connection, settings);
            try (AutoCloseable function = SubjectMatches.register(connection, match)) {
                return SubjectClosure.of(db, match, settings, force).result();
            }
        } catch (SQLException e) {
            throw failure(sqliteFile, e);
        } catch (RuntimeException e) {
            throw e;
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    /**
     * The distinct texts ({@code CAST(column AS TEXT)}) of the column in the rows the predicate matches:
     * what a hash of the value as stored is taken over (an INTEGER 42 found by '42' is "42", a REAL 42.0 is
     * "42.0").
     */
    public List<String> storedTexts(Path sqliteFile, SubjectPredicate predicate) {
        SubjectMatch match = new SubjectMatch.ByValue(predicate);
        try (Connection connection = open(sqliteFile, true)) {
            SubjectDatabase db = SubjectDatabase.read(connection, settings);
            Shape shape = SubjectMatches.shape(db, match);
            List<String> texts = new ArrayList<>();
            String column = shape.columnSql(predicate.column());
            try (PreparedStatement statement = connection.prepareStatement("SELECT DISTINCT CAST(" + column
                    + " AS TEXT) FROM " + shape.quoted() + " WHERE " + SubjectMatches.condition(shape, match)
                    + " AND " + column + " IS NOT NULL")) {
                SubjectMatches.bind(statement, match);
                try (ResultSet rs = statement.executeQuery()) {
                    while (rs.next()) {
                        texts.add(rs.getString(1));
                    }
                }
            }
            return texts;
        } catch (SQLException e) {
            throw failure(sqliteFile, e);
        }
    }

    /**
     * Erases the subject's rows and what references them, in one transaction; on a dry run rolls it
     * back and reports what would go, with the rows.
     *
     * @throws SubjectSchemaException when the match's table or column is not in this database
     */
    public SubjectEraseReport erase(Path sqliteFile, SubjectMatch match, boolean force, boolean dryRun) {
        return erase(sqliteFile, List.of(match), force, dryRun, true).get(0);
    }

    /**
     * Erases several subjects (an erasure ledger's entries) in one transaction, one report per match in
     * order, with the full-text indexes rebuilt and optimized once at the end rather than once per match. A
     * match whose table or column this database does not have (a backup older than the table) erases
     * nothing, and its report's notes say so; any other failure leaves the file as it was.
     */
    public List<SubjectEraseReport> erase(Path sqliteFile, List<SubjectMatch> matches, boolean force, boolean dryRun) {
        return erase(sqliteFile, matches, force, dryRun, false);
    }

    private List<SubjectEraseReport> erase(Path sqliteFile, List<SubjectMatch> matches, boolean force, boolean dryRun,
                                           boolean schemaErrorsThrow) {
        try (Connection connection = open(sqliteFile, false)) {
            try (Statement s = connection.createStatement()) {
                // Freed space is overwritten with zeros: the erased values leave no trace in the file.
                s.execute("PRAGMA secure_delete = ON");
            }
            List<SubjectEraseReport> reports = new ArrayList<>();
            Set<Shape> changed = new LinkedHashSet<>();
            connection.setAutoCommit(false);
            try {
                SubjectDatabase db = SubjectDatabase.read(connection, settings);
                List<String> notes = fullTextNotes(db);
                for (SubjectMatch match : matches) {
                    SubjectClosure closure;
                    try (AutoCloseable function = SubjectMatches.register(connection, match)) {
                        closure = SubjectClosure.of(db, match, settings, force);
                    } catch (SubjectSchemaException e) {
                        if (schemaErrorsThrow) {
                            throw e;
                        }
                        List<String> skipped = new ArrayList<>(notes);
                        skipped.add(0, match.label() + ": " + e.getMessage() + ", so nothing to erase there");
                        reports.add(new SubjectEraseReport(List.of(), dryRun, null, skipped));
                        continue;
                    }
                    apply(connection, db, closure, changed);
                    reports.add(new SubjectEraseReport(effects(closure), dryRun, dryRun ? closure.result() : null,
                            notes));
                }
                if (!dryRun && !changed.isEmpty()) {
                    refreshFullText(connection, db);
                    refreshStatistics(connection, changed);
                    connection.commit();
                }
            } finally {
                connection.rollback(); // undoes everything unless committed already
                connection.setAutoCommit(true);
            }
            if (!dryRun && !changed.isEmpty()) {
                checkpoint(connection);
            }
            return reports;
        } catch (SQLException e) {
            throw failure(sqliteFile, e);
        } catch (RuntimeException e) {
            throw e;
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    /**
     * Applies one closure, refusing (the caller rolls back) if it would leave a foreign key pointing at a row
     * that is no longer there. Adds the tables it changed to {@code changed}.
     */
    private static void apply(Connection connection, SubjectDatabase db, SubjectClosure closure, Set<Shape> changed)
            throws SQLException {
        if (closure.total() == 0) {
            return;
        }
        Set<Shape> touched = new LinkedHashSet<>();
        closure.tables().stream().filter(t -> !t.members.isEmpty()).forEach(t -> touched.add(t.shape));
        apply(connection, closure);
        List<String> broken = SubjectReferenceCheck.broken(connection, db, closure);
        if (!broken.isEmpty()) {
            throw new IllegalStateException("erasing " + closure.match().label() + " would leave rows that reference"
                    + " rows no longer there (" + String.join("; ", broken)
                    + "), so nothing was changed; a subject.policy for those tables says what to do with them");
        }
        changed.addAll(touched);
    }

    /** Updates first (set-null, set-default, redact), then deletes, the referencing tables before the subject's. */
    private static void apply(Connection connection, SubjectClosure closure) throws SQLException {
        Map<String, String> defaults = new HashMap<>();
        for (Found table : closure.tables()) {
            for (Member member : table.members.values()) {
                if (member.action == Action.DELETE) {
                    continue;
                }
                List<String> sets = new ArrayList<>();
                member.nullColumns.forEach(c -> sets.add(SqlText.identifier(c) + " = NULL"));
                for (String column : member.defaultColumns) {
                    sets.add(SqlText.identifier(column) + " = " + defaultOf(connection, table.shape, column, defaults));
                }
                if (sets.isEmpty()) {
                    continue;
                }
                run(connection, "UPDATE " + table.shape.quoted() + " SET " + String.join(", ", sets) + " WHERE "
                        + table.shape.keyCondition(), member.row.key());
            }
        }
        List<Found> tables = new ArrayList<>(closure.tables());
        java.util.Collections.reverse(tables);
        for (Found table : tables) {
            String sql = "DELETE FROM " + table.shape.quoted() + " WHERE " + table.shape.keyCondition();
            try (PreparedStatement statement = connection.prepareStatement(sql)) {
                for (Member member : table.members.values()) {
                    if (member.action == Action.DELETE) {
                        for (int i = 0; i < member.row.key().size(); i++) {
                            SubjectDatabase.bind(statement, i + 1, member.row.key().get(i));
                        }
                        statement.executeUpdate(); // one by one: triggers may read what an earlier one left
                    }
                }
            }
        }
    }

    private static void run(Connection connection, String sql, List<Object> parameters) throws SQLException {
        try (PreparedStatement statement = connection.prepareStatement(sql)) {
            for (int i = 0; i < parameters.size(); i++) {
                SubjectDatabase.bind(statement, i + 1, parameters.get(i));
            }
            statement.executeUpdate();
        }
    }

    /** A column's DEFAULT expression as the schema states it (SQL from the schema, not from the request); NULL if none. */
    private static String defaultOf(Connection connection, Shape shape, String column, Map<String, String> cache)
            throws SQLException {
        String key = SubjectNames.fold(shape.name()) + "\u0000" + SubjectNames.fold(column);
        if (!cache.containsKey(key)) {
            String expression = "NULL";
            try (Statement s = connection.createStatement();
                 ResultSet rs = s.executeQuery("PRAGMA table_xinfo(" + shape.quoted() + ")")) {
                while (rs.next()) {
                    if (SubjectNames.same(rs.getString("name"), column) && rs.getString("dflt_value") != null) {
                        expression = "(" + rs.getString("dflt_value") + ")";
                    }
                }
            }
            cache.put(key, expression);
        }
        return cache.get(key);
    }

    /**
     * Full-text tables: external-content ones are rebuilt from their content (which no longer has the
     * rows), then every one is optimized, merging its segments into one, so that no segment still holds
     * the erased rows' tokens and the pages that held them are freed (and zeroed, secure_delete).
     */
    private static void refreshFullText(Connection connection, SubjectDatabase db) throws SQLException {
        for (Shape shape : db.shapes()) {
            Table table = shape.table;
            if (!table.isFullText()) {
                continue;
            }
            String command = "INSERT INTO " + shape.quoted() + "(" + shape.quoted() + ") VALUES(?)";
            try (PreparedStatement statement = connection.prepareStatement(command)) {
                if (table.dataMode() == Table.DataMode.REBUILD) {
                    statement.setString(1, "rebuild");
                    statement.executeUpdate();
                }
                statement.setString(1, "optimize");
                statement.executeUpdate();
            }
        }
    }

    /**
     * With ANALYZE's sqlite_stat4, samples of index keys (an e-mail among them) are kept: the changed
     * tables are analyzed again so that no sample is an erased row's.
     */
    private static void refreshStatistics(Connection connection, Set<Shape> changed) throws SQLException {
        boolean stat4;
        try (Statement s = connection.createStatement();
             ResultSet rs = s.executeQuery("SELECT 1 FROM sqlite_master WHERE name = 'sqlite_stat4'")) {
            stat4 = rs.next();
        }
        if (stat4) {
            try (Statement s = connection.createStatement()) {
                for (Shape shape : changed) {
                    if (!shape.table.isVirtual()) {
                        s.execute("ANALYZE " + shape.quoted());
                    }
                }
            }
        }
    }

    /**
     * What the erasure cannot reach: a full-text table with text of its own (contentful) that no trigger and
     * no subject.references entry ties to other tables' rows, and a contentless one, which cannot forget
     * the tokens of what it indexed.
     */
    private static List<String> fullTextNotes(SubjectDatabase db) {
        List<String> notes = new ArrayList<>();
        for (Shape shape : db.shapes()) {
            Table table = shape.table;
            if (!table.isFullText()) {
                continue;
            }
            String folded = SubjectNames.fold(table.name());
            boolean referenced = db.edges().stream().anyMatch(e -> e.child() == shape);
            boolean triggered = db.schema.triggers().stream().anyMatch(t -> t.sql() != null
                    && SubjectNames.fold(t.sql()).contains(folded));
            if (table.dataMode() == Table.DataMode.ROWS && !referenced && !triggered) {
                notes.add("full-text table " + table.name() + " keeps its own copy of the text it indexes, and no"
                        + " trigger or subject.references entry ties its rows to other tables' rows: add one (for"
                        + " example " + table.name() + ".rowid->TABLE.id) or it may keep the subject's text");
            } else if (table.dataMode() == Table.DataMode.NONE) {
                notes.add("full-text table " + table.name() + " is contentless: it keeps the tokens of what it"
                        + " indexed and cannot be rebuilt from a table, so erased text may still be searchable there");
            }
        }
        return notes;
    }

    /** One effect per table and action, tables in the order they were reached. */
    private static List<SubjectEraseReport.TableEffect> effects(SubjectClosure closure) {
        List<SubjectEraseReport.TableEffect> effects = new ArrayList<>();
        for (Found table : closure.tables()) {
            Map<Action, Integer> counts = new LinkedHashMap<>();
            Map<Action, Set<String>> via = new LinkedHashMap<>();
            for (Member member : table.members.values()) {
                counts.merge(member.action, 1, Integer::sum);
                Set<String> reasons = via.computeIfAbsent(member.action, a -> new LinkedHashSet<>());
                table.policy.ifPresent(p -> reasons.add("subject.policy." + table.shape.name() + "=" + p));
                if (member.subject) {
                    reasons.add(closure.match().label());
                }
                member.edges.forEach(e -> reasons.add(e.describeAction()));
            }
            counts.forEach((action, rows) -> effects.add(new SubjectEraseReport.TableEffect(table.shape.name(),
                    action.label, rows, String.join("; ", via.get(action)))));
        }
        return effects;
    }

    private static Connection open(Path file, boolean readOnly) throws SQLException {
        if (!Files.isRegularFile(file)) {
            throw new IllegalArgumentException("SQLite database not found: " + file);
        }
        SQLiteConfig config = new SQLiteConfig();
        config.setReadOnly(readOnly);
        // The erasure applies ON DELETE actions itself, so that a policy can override them and RESTRICT cannot stop it.
        config.enforceForeignKeys(false);
        return config.createConnection("jdbc:sqlite:" + file);
    }

    /** In WAL mode, the changes go into the database file now, not at some later checkpoint. */
    private static void checkpoint(Connection connection) throws SQLException {
        try (Statement s = connection.createStatement(); ResultSet rs = s.executeQuery("PRAGMA journal_mode")) {
            if (rs.next() && "wal".equalsIgnoreCase(rs.getString(1))) {
                s.execute("PRAGMA wal_checkpoint(TRUNCATE)");
            }
        }
    }

    private static IllegalStateException failure(Path file, SQLException e) {
        return new IllegalStateException(file.getFileName() + ": " + e.getMessage(), e);
    }
}
