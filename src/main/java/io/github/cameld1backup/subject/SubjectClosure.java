package io.github.cameld1backup.subject;

import io.github.cameld1backup.subject.SubjectDatabase.Edge;
import io.github.cameld1backup.subject.SubjectDatabase.Row;
import io.github.cameld1backup.subject.SubjectDatabase.Shape;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * A subject's rows and, transitively, the rows that reference them, each with what erasing does to
 * it. The walk goes on from rows that are deleted only: a row that is kept (its reference set to NULL,
 * or redacted by policy) still exists, so what references it is not the subject's. Every row is
 * visited once, so cycles and self-references end.
 */
final class SubjectClosure {

    private final SubjectDatabase db;
    private final SubjectSettings settings;
    private final boolean force;
    private final SubjectMatch match;
    /** Folded table name -> its rows in the closure, in the order tables were reached. */
    private final Map<String, Found> found = new LinkedHashMap<>();
    private int total;

    private SubjectClosure(SubjectDatabase db, SubjectMatch match, SubjectSettings settings, boolean force) {
        this.db = db;
        this.match = match;
        this.settings = settings;
        this.force = force;
    }

    /** What erasing does to a row. */
    enum Action {
        DELETE(SubjectEraseReport.DELETED),
        SET_NULL(SubjectEraseReport.SET_NULL),
        SET_DEFAULT(SubjectEraseReport.SET_DEFAULT),
        REDACT(SubjectEraseReport.REDACTED);

        final String label;

        Action(String label) {
            this.label = label;
        }
    }

    /** A row of the closure and why it is there: the subject's own, or reached through these edges. */
    static final class Member {

        final Row row;
        boolean subject;
        final Set<Edge> edges = new LinkedHashSet<>();
        Action action;
        /** Columns set to NULL, and to their default (set-null, set-default, redact). */
        final Set<String> nullColumns = new LinkedHashSet<>();
        final Set<String> defaultColumns = new LinkedHashSet<>();

        Member(Row row) {
            this.row = row;
        }
    }

    /** A table's rows in the closure. */
    static final class Found {

        final Shape shape;
        final Optional<SubjectPolicy> policy;
        final Map<String, Member> members = new LinkedHashMap<>();

        Found(Shape shape, Optional<SubjectPolicy> policy) {
            this.shape = shape;
            this.policy = policy;
            // A row's key cannot be blanked: SQLite refuses NULL there, or (rowid) the row would no longer be addressable.
            policy.filter(p -> p.kind() == SubjectPolicy.Kind.REDACT).ifPresent(p -> p.columns().forEach(c -> {
                boolean key = shape.table.columns().stream()
                        .anyMatch(col -> SubjectNames.same(col.name(), c) && col.primaryKeyPosition() > 0);
                if (key) {
                    throw new IllegalArgumentException("subject.policy." + shape.name() + "=" + p + ": " + c
                            + " is part of the primary key, which redact cannot set to NULL; use delete");
                }
            }));
        }
    }

    static SubjectClosure of(SubjectDatabase db, SubjectMatch match, SubjectSettings settings, boolean force)
            throws SQLException {
        SubjectClosure closure = new SubjectClosure(db, match, settings, force);
        closure.walk();
        return closure;
    }

    List<Found> tables() {
        return List.copyOf(found.values());
    }

    int total() {
        return total;
    }

    SubjectMatch match() {
        return match;
    }

    private void walk() throws SQLException {
        Shape subjectTable = SubjectMatches.shape(db, match);
        Deque<Map.Entry<Shape, List<Member>>> pending = new ArrayDeque<>();
        List<Member> deleted = new ArrayList<>();
        Found subjectRows = found(subjectTable);
        try (PreparedStatement statement = db.connection.prepareStatement(
                subjectTable.select() + " WHERE " + SubjectMatches.condition(subjectTable, match))) {
            SubjectMatches.bind(statement, match);
            try (ResultSet rs = statement.executeQuery()) {
                while (rs.next()) {
                    Row row = subjectTable.read(rs);
                    Member member = subjectRows.members.computeIfAbsent(row.identity(), k -> new Member(row));
                    if (member.subject) {
                        continue;
                    }
                    member.subject = true;
                    total++;
                    if (total > settings.maxRows() && !force) {
                        throw tooManySubjectRows(subjectTable);
                    }
                    if (decide(subjectRows, member)) {
                        deleted.add(member);
                    }
                }
            }
        }
        if (!deleted.isEmpty()) {
            pending.add(Map.entry(subjectTable, deleted));
        }
        while (!pending.isEmpty()) {
            Map.Entry<Shape, List<Member>> next = pending.poll();
            for (Edge edge : db.edgesInto(next.getKey())) {
                List<Member> newlyDeleted = follow(edge, next.getValue());
                if (!newlyDeleted.isEmpty()) {
                    pending.add(Map.entry(edge.child(), newlyDeleted));
                }
            }
        }
    }

    /** The rows that reference {@code parents} through {@code edge}; answers those that became deleted. */
    private List<Member> follow(Edge edge, List<Member> parents) throws SQLException {
        Map<String, List<Object>> keys = new LinkedHashMap<>();
        for (Member parent : parents) {
            List<Object> key = new ArrayList<>();
            for (String column : edge.parentColumns()) {
                key.add(edge.parent().value(parent.row, column));
            }
            if (!key.contains(null)) { // a NULL never references anything
                keys.putIfAbsent(Row.identity(key), key);
            }
        }
        List<List<Object>> all = new ArrayList<>(keys.values());
        List<Member> newlyDeleted = new ArrayList<>();
        Shape child = edge.child();
        Found children = found(child);
        int perLookup = edge.keysPerLookup();
        for (int from = 0; from < all.size(); from += perLookup) {
            List<List<Object>> batch = all.subList(from, Math.min(all.size(), from + perLookup));
            try (PreparedStatement statement = db.connection.prepareStatement(
                    child.select() + " WHERE " + edge.lookupCondition(batch.size()))) {
                edge.bindLookup(statement, batch);
                try (ResultSet rs = statement.executeQuery()) {
                    while (rs.next()) {
                        Row row = child.read(rs);
                        Member member = children.members.get(row.identity());
                        boolean wasDeleted = member != null && member.action == Action.DELETE;
                        if (member == null) {
                            member = new Member(row);
                            children.members.put(row.identity(), member);
                            total++;
                            if (total > settings.maxRows() && !force) {
                                throw tooManyRows();
                            }
                        }
                        if (member.edges.add(edge) && decide(children, member) && !wasDeleted) {
                            newlyDeleted.add(member);
                        }
                    }
                }
            }
        }
        return newlyDeleted;
    }

    /** Sets what erasing does to the row from the table's policy or the edges that reach it; true if deleted. */
    private boolean decide(Found table, Member member) {
        member.nullColumns.clear();
        member.defaultColumns.clear();
        Shape shape = table.shape;
        if (table.policy.isPresent()) {
            SubjectPolicy policy = table.policy.get();
            switch (policy.kind()) {
                case DELETE -> member.action = Action.DELETE;
                case REDACT -> {
                    member.action = Action.REDACT;
                    policy.columns().stream().filter(c -> shape.columnIndex(c) >= 0).map(shape::spelled)
                            .forEach(member.nullColumns::add);
                }
                case SET_NULL -> {
                    if (member.subject && shape.columnIndex(match.column()) >= 0) {
                        member.nullColumns.add(shape.spelled(match.column()));
                    }
                    for (Edge edge : member.edges) {
                        edge.childColumns().stream().filter(c -> shape.columnIndex(c) >= 0).map(shape::spelled)
                                .forEach(member.nullColumns::add);
                    }
                    // Reached through the rowid only (a full-text table's rows): nothing to set to NULL.
                    member.action = member.nullColumns.isEmpty() ? Action.DELETE : Action.SET_NULL;
                }
            }
            return member.action == Action.DELETE;
        }
        if (member.subject || member.edges.stream().anyMatch(Edge::deletes)) {
            member.action = Action.DELETE;
            return true;
        }
        for (Edge edge : member.edges) {
            Set<String> into = edge.onDelete().equals("SET DEFAULT") ? member.defaultColumns : member.nullColumns;
            edge.childColumns().stream().map(shape::spelled).forEach(into::add);
        }
        member.nullColumns.removeAll(member.defaultColumns);
        member.action = member.defaultColumns.isEmpty() ? Action.SET_NULL : Action.SET_DEFAULT;
        return false;
    }

    private Found found(Shape shape) {
        return found.computeIfAbsent(SubjectNames.fold(shape.name()),
                k -> new Found(shape, settings.policyFor(shape.name())));
    }

    private SubjectLimitException tooManySubjectRows(Shape table) throws SQLException {
        long count;
        try (PreparedStatement statement = db.connection.prepareStatement(
                "SELECT count(*) FROM " + table.quoted() + " WHERE " + SubjectMatches.condition(table, match))) {
            SubjectMatches.bind(statement, match);
            try (ResultSet rs = statement.executeQuery()) {
                rs.next();
                count = rs.getLong(1);
            }
        }
        return new SubjectLimitException(match.label() + " matches " + count + " rows in this database, more than"
                + " subject.max.rows (" + settings.maxRows() + ") allows: check the predicate, or use --force"
                + " if that many rows are the subject's", count, true, settings.maxRows());
    }

    private SubjectLimitException tooManyRows() {
        long own = found.values().iterator().next().members.values().stream().filter(m -> m.subject).count();
        return new SubjectLimitException(match.label() + " matches " + own + " rows in this database, and with the"
                + " rows that reference them more than subject.max.rows (" + settings.maxRows() + ") rows (counting"
                + " stopped at " + total + "): check the predicate, or use --force if that many rows are the"
                + " subject's", total, false, settings.maxRows());
    }

    /** As {@link SubjectFindResult}: every table's rows and how they were reached. */
    SubjectFindResult result() {
        List<SubjectTable> tables = new ArrayList<>();
        for (Found table : found.values()) {
            if (table.members.isEmpty()) {
                continue;
            }
            Set<String> via = new LinkedHashSet<>();
            for (Member member : table.members.values()) {
                if (member.subject) {
                    via.add(match.label());
                }
                member.edges.forEach(e -> via.add(e.describe()));
            }
            tables.add(new SubjectTable(table.shape.name(), table.shape.columns,
                    table.members.values().stream().map(m -> m.row.values()).toList(), String.join("; ", via)));
        }
        return new SubjectFindResult(tables);
    }
}
