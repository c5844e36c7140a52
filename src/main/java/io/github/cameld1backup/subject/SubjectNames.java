package io.github.cameld1backup.subject;

import java.util.ArrayList;
import java.util.List;

/**
 * Names as the subject settings and predicates write them: {@code TABLE.COLUMN}, each part plain or
 * double-quoted as in SQL ({@code "a ""b"".c"}), so that names holding dots, '=', '->' or commas can be
 * given. Compared as SQLite compares identifiers: case folded for ASCII letters only.
 */
final class SubjectNames {

    private SubjectNames() {
    }

    /** SQLite's identifier folding: ASCII letters only ("Ä" and "ä" are two names to SQLite). */
    static String fold(String name) {
        StringBuilder out = new StringBuilder(name.length());
        for (int i = 0; i < name.length(); i++) {
            char c = name.charAt(i);
            out.append(c >= 'A' && c <= 'Z' ? (char) (c + 32) : c);
        }
        return out.toString();
    }

    static boolean same(String a, String b) {
        return fold(a).equals(fold(b));
    }

    /** Where {@code separator} first occurs outside double quotes, from {@code from}; -1 if nowhere. */
    static int indexOutsideQuotes(String text, String separator, int from) {
        boolean quoted = false;
        for (int i = from; i < text.length(); i++) {
            char c = text.charAt(i);
            if (c == '"') {
                quoted = !quoted; // a doubled quote inside a name flips twice
            } else if (!quoted && text.startsWith(separator, i)) {
                return i;
            }
        }
        return -1;
    }

    /** The parts of {@code text} between separators outside double quotes. */
    static List<String> splitOutsideQuotes(String text, String separator) {
        List<String> parts = new ArrayList<>();
        int start = 0;
        for (int at = indexOutsideQuotes(text, separator, 0); at >= 0; at = indexOutsideQuotes(text, separator, start)) {
            parts.add(text.substring(start, at));
            start = at + separator.length();
        }
        parts.add(text.substring(start));
        return parts;
    }

    /** {@code TABLE.COLUMN} as its two names; {@code what} names the setting or argument in errors. */
    static String[] tableAndColumn(String text, String what) {
        int dot = indexOutsideQuotes(text, ".", 0);
        if (dot < 0) {
            throw new IllegalArgumentException(what + ": write the name as TABLE.COLUMN (no '.' found outside quotes"
                    + " in " + text.strip() + ")");
        }
        return new String[] {name(text.substring(0, dot), what), name(text.substring(dot + 1), what)};
    }

    /** One name, plain or double-quoted (quotes doubled inside), blanks around it dropped. */
    static String name(String text, String what) {
        String s = text.strip();
        if (s.isEmpty()) {
            throw new IllegalArgumentException(what + ": a table or column name is empty");
        }
        if (s.charAt(0) == '"') {
            String inner = s.length() >= 2 && s.endsWith("\"") ? s.substring(1, s.length() - 1) : null;
            if (inner == null || inner.replace("\"\"", "").indexOf('"') >= 0) {
                throw new IllegalArgumentException(what + ": " + s + " is not a well-formed quoted name"
                        + " (it must end with '\"', and a '\"' inside is written twice)");
            }
            if (inner.isEmpty()) {
                throw new IllegalArgumentException(what + ": a table or column name is empty");
            }
            return inner.replace("\"\"", "\"");
        }
        if (s.indexOf('"') >= 0 || s.indexOf('.') >= 0) {
            throw new IllegalArgumentException(what + ": " + s + " is not a name; double-quote names that hold"
                    + " dots or quotes, as in SQL");
        }
        return s;
    }
}
