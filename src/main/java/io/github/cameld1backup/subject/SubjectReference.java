package io.github.cameld1backup.subject;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * A reference the schema does not declare: {@code childTable.childColumn} holds values of
 * {@code parentTable.parentColumn} (an audit table keeping users' ids, a full-text table whose rowid
 * is the post's id). Followed like a foreign key with ON DELETE CASCADE, unless a policy for the
 * child table says otherwise. The child column may be {@code rowid}.
 */
public record SubjectReference(String childTable, String childColumn, String parentTable, String parentColumn) {

    static final String SETTING = "subject.references";

    public SubjectReference {
        Objects.requireNonNull(childTable, "childTable");
        Objects.requireNonNull(childColumn, "childColumn");
        Objects.requireNonNull(parentTable, "parentTable");
        Objects.requireNonNull(parentColumn, "parentColumn");
    }

    /**
     * The setting {@code subject.references}: comma-separated {@code CHILD.COLUMN->PARENT.COLUMN}, names
     * plain or double-quoted. Empty or blank: none.
     */
    public static List<SubjectReference> parseList(String setting) {
        List<SubjectReference> references = new ArrayList<>();
        if (setting == null || setting.isBlank()) {
            return references;
        }
        for (String entry : SubjectNames.splitOutsideQuotes(setting, ",")) {
            if (entry.isBlank()) {
                continue;
            }
            int arrow = SubjectNames.indexOutsideQuotes(entry, "->", 0);
            if (arrow < 0) {
                throw new IllegalArgumentException(SETTING + ": " + entry.strip()
                        + " must be CHILD_TABLE.COLUMN->PARENT_TABLE.COLUMN");
            }
            String[] child = SubjectNames.tableAndColumn(entry.substring(0, arrow), SETTING);
            String[] parent = SubjectNames.tableAndColumn(entry.substring(arrow + 2), SETTING);
            references.add(new SubjectReference(child[0], child[1], parent[0], parent[1]));
        }
        return references;
    }

    @Override
    public String toString() {
        return childTable + "." + childColumn + "->" + parentTable + "." + parentColumn;
    }
}
