package io.github.cameld1backup.sql;

import java.nio.charset.StandardCharsets;
import java.util.HexFormat;

/** Quoting and literal helpers shared by everything that writes SQL text. */
public final class SqlText {

    private SqlText() {
    }

    /** Double-quoted identifier, safe for any name SQLite accepts (quotes doubled, newlines kept). */
    public static String identifier(String name) {
        return '"' + name.replace("\"", "\"\"") + '"';
    }

    /** Single-quoted string literal. Not for text holding NUL: SQLite stops such literals at the NUL. */
    public static String string(String value) {
        return '\'' + value.replace("'", "''") + '\'';
    }

    /** Inverse of {@link #string}: the text of a single-quoted literal. */
    public static String unquoteString(String literal) {
        if (literal.length() < 2 || literal.charAt(0) != '\'' || literal.charAt(literal.length() - 1) != '\'') {
            throw new IllegalArgumentException("not a string literal: " + abbreviate(literal));
        }
        return literal.substring(1, literal.length() - 1).replace("''", "'");
    }

    /** Text as {@code CAST(X'..' AS TEXT)}: exact for NUL and carriage returns, which plain literals lose. */
    public static String hexText(String text) {
        return hexText(utf8(text));
    }

    /** Text given as its bytes (which need not be valid UTF-8) as {@code CAST(X'..' AS TEXT)}. */
    public static String hexText(byte[] text) {
        return "CAST(X'" + HexFormat.of().withUpperCase().formatHex(text) + "' AS TEXT)";
    }

    /**
     * Stored schema SQL made safe to end with a semicolon: a view's may end in a -- comment, which would
     * swallow it, so such SQL gets a newline (SQLite trims it from what it stores again).
     */
    public static String schemaStatement(String sql) {
        return sql.indexOf("--", sql.lastIndexOf('\n') + 1) >= 0 ? sql + "\n" : sql;
    }

    public static int utf8Length(CharSequence s) {
        int bytes = 0;
        for (int i = 0, n = s.length(); i < n; i++) {
            char c = s.charAt(i);
            if (c < 0x80) {
                bytes++;
            } else if (c < 0x800) {
                bytes += 2;
            } else if (Character.isHighSurrogate(c) && i + 1 < n && Character.isLowSurrogate(s.charAt(i + 1))) {
                bytes += 4;
                i++;
            } else {
                bytes += 3;
            }
        }
        return bytes;
    }

    public static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    public static String abbreviate(String s) {
        return s.length() <= 80 ? s : s.substring(0, 77) + "...";
    }
}
