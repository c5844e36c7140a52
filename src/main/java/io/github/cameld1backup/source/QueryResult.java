package io.github.cameld1backup.source;

import java.util.List;

/** Columns and rows of one statement, in column order, as either source returns them. */
public record QueryResult(List<String> columns, List<List<Object>> rows) {

    public int columnIndex(String name) {
        int i = columns.indexOf(name);
        if (i < 0) {
            throw new IllegalStateException("result has no column " + name + ": " + columns);
        }
        return i;
    }

    /** Value of a named column as text (numbers from PRAGMAs come back as JSON numbers from D1). */
    public static String text(Object value) {
        if (value == null) {
            return null;
        }
        if (value instanceof Double d && d == Math.rint(d) && !Double.isInfinite(d)) {
            return Long.toString(d.longValue());
        }
        return value.toString();
    }

    public static long number(Object value) {
        if (value instanceof Number n) {
            return n.longValue();
        }
        return Long.parseLong(value.toString());
    }
}
