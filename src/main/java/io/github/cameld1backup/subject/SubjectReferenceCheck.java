package io.github.cameld1backup.subject;

import io.github.cameld1backup.subject.SubjectClosure.Action;
import io.github.cameld1backup.subject.SubjectClosure.Found;
import io.github.cameld1backup.subject.SubjectClosure.Member;
import io.github.cameld1backup.subject.SubjectDatabase.Edge;
import io.github.cameld1backup.subject.SubjectDatabase.Shape;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * After a closure is applied: the foreign keys it may have broken, and only those (a whole-table
 * {@code PRAGMA foreign_key_check} before and after took seconds per table of a few hundred thousand
 * rows). Two ways: a declared foreign key that still points at a key the erasure removed (deleted row,
 * or key column set to NULL or redacted), and a row the erasure updated that now points at no row (SET
 * DEFAULT to a default no parent has). Keys of rows that went are looked up by index on the parent;
 * only keys no parent holds any more are looked for in the child, a batch at a time.
 */
final class SubjectReferenceCheck {

    private SubjectReferenceCheck() {
    }

    /** What is broken, as {@code child row 5 -> parent (child.col -> parent.col)}; empty if nothing. */
    static List<String> broken(Connection connection, SubjectDatabase db, SubjectClosure closure) throws SQLException {
        Set<String> broken = new LinkedHashSet<>();
        for (Found table : closure.tables()) {
            for (Edge edge : db.edgesInto(table.shape)) {
                if (!edge.implicit()) {
                    stillReferenced(connection, edge, removedKeys(edge, table), broken);
                }
            }
            for (Member member : table.members.values()) {
                if (member.action != Action.DELETE && !member.defaultColumns.isEmpty()) {
                    for (Edge edge : db.edges()) {
                        if (!edge.implicit() && edge.child() == table.shape) {
                            pointsNowhere(connection, edge, member, broken);
                        }
                    }
                }
            }
        }
        return List.copyOf(broken);
    }

    /** The parent keys of {@code edge} that rows of the table held before the erasure and may no longer. */
    private static List<List<Object>> removedKeys(Edge edge, Found table) {
        Map<String, List<Object>> keys = new LinkedHashMap<>();
        for (Member member : table.members.values()) {
            boolean changed = member.action == Action.DELETE || edge.parentColumns().stream()
                    .map(table.shape::spelled)
                    .anyMatch(c -> member.nullColumns.contains(c) || member.defaultColumns.contains(c));
            if (!changed) {
                continue;
            }
            List<Object> key = new ArrayList<>();
            edge.parentColumns().forEach(c -> key.add(table.shape.value(member.row, c)));
            if (!key.contains(null)) {
                keys.putIfAbsent(SubjectDatabase.Row.identity(key), key);
            }
        }
        return new ArrayList<>(keys.values());
    }

    private static void stillReferenced(Connection connection, Edge edge, List<List<Object>> keys, Set<String> broken)
            throws SQLException {
        List<List<Object>> gone = new ArrayList<>();
        for (List<Object> key : keys) {
            if (!exists(connection, edge.parent(), edge.parentColumns(), key)) {
                gone.add(key);
            }
        }
        int perLookup = edge.keysPerLookup();
        for (int from = 0; from < gone.size() && broken.size() < 5; from += perLookup) {
            List<List<Object>> batch = gone.subList(from, Math.min(gone.size(), from + perLookup));
            String sql = "SELECT " + String.join(", ", edge.child().keySql()) + " FROM " + edge.child().quoted()
                    + " WHERE " + edge.lookupCondition(batch.size()) + " LIMIT 5";
            try (PreparedStatement statement = connection.prepareStatement(sql)) {
                edge.bindLookup(statement, batch);
                try (ResultSet rs = statement.executeQuery()) {
                    while (rs.next()) {
                        broken.add(describe(edge, rs.getObject(1)));
                    }
                }
            }
        }
    }

    private static void pointsNowhere(Connection connection, Edge edge, Member member, Set<String> broken)
            throws SQLException {
        Shape child = edge.child();
        boolean touched = edge.childColumns().stream().map(child::spelled).anyMatch(member.defaultColumns::contains);
        if (!touched) {
            return;
        }
        List<Object> values = new ArrayList<>();
        String sql = "SELECT " + String.join(", ", edge.childColumns().stream().map(child::columnSql).toList())
                + " FROM " + child.quoted() + " WHERE " + child.keyCondition();
        try (PreparedStatement statement = connection.prepareStatement(sql)) {
            for (int i = 0; i < member.row.key().size(); i++) {
                SubjectDatabase.bind(statement, i + 1, member.row.key().get(i));
            }
            try (ResultSet rs = statement.executeQuery()) {
                if (!rs.next()) {
                    return; // gone: a trigger deleted it
                }
                for (int i = 1; i <= edge.childColumns().size(); i++) {
                    values.add(SubjectDatabase.stored(rs, i));
                }
            }
        }
        if (!values.contains(null) && !exists(connection, edge.parent(), edge.parentColumns(), values)) {
            broken.add(describe(edge, member.row.key().get(0)));
        }
    }

    private static boolean exists(Connection connection, Shape table, List<String> columns, List<Object> key)
            throws SQLException {
        String sql = "SELECT 1 FROM " + table.quoted() + " WHERE "
                + String.join(" AND ", columns.stream().map(c -> table.columnSql(c) + " = ?").toList()) + " LIMIT 1";
        try (PreparedStatement statement = connection.prepareStatement(sql)) {
            for (int i = 0; i < key.size(); i++) {
                SubjectDatabase.bind(statement, i + 1, key.get(i));
            }
            try (ResultSet rs = statement.executeQuery()) {
                return rs.next();
            }
        }
    }

    /** Names the row by rowid; a WITHOUT ROWID table's key may be personal data, so not that. */
    private static String describe(Edge edge, Object rowid) {
        String row = edge.child().table.withoutRowid() ? "a row" : "row " + rowid;
        return edge.child().name() + " " + row + " -> " + edge.parent().name() + " (" + edge.describe() + ")";
    }
}
