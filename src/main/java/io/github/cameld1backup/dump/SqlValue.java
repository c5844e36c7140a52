package io.github.cameld1backup.dump;

import io.github.cameld1backup.sql.SqlText;
import java.util.ArrayList;
import java.util.List;

/**
 * A value as the SQL literal the source selected for it: {@code quote(col)}, or
 * {@code CAST(X'..' AS TEXT)} for text holding NUL (which {@code quote()} would cut short) or a
 * carriage return.
 * Knows how to cut long text and BLOB literals into pieces that concatenate back to the value.
 */
final class SqlValue {

    private static final String HEX_TEXT_PREFIX = "CAST(X'";
    private static final String HEX_TEXT_SUFFIX = "' AS TEXT)";

    private SqlValue() {
    }

    /** Normalises literals some SQLite versions print in a form they cannot read back. */
    static String normalise(String literal) {
        if (literal == null) {
            throw new IllegalStateException("source returned no literal for a value");
        }
        // SQLite before 3.43 quotes infinities as Inf / -Inf; 9.0e+999 reads back as infinity everywhere.
        if (literal.length() <= 4 && literal.endsWith("Inf")) { // cheaper than a string switch, which hashes every value
            return literal.equals("Inf") ? "9.0e+999" : literal.equals("-Inf") ? "-9.0e+999" : literal;
        }
        return isText(literal) && literal.indexOf('\r') >= 0 ? SqlText.hexText(SqlText.unquoteString(literal)) : literal;
    }

    /**
     * The literals of a tuple {@code (v1,v2,...)} as SQLite's quote() prints them: commas stand between
     * literals or inside quoted ones ('...', X'...'), never inside a number, NULL or CAST(X'..' AS TEXT).
     */
    static List<String> splitTuple(String tuple) {
        if (tuple.length() < 2 || tuple.charAt(0) != '(' || tuple.charAt(tuple.length() - 1) != ')') {
            throw new IllegalStateException("source returned no row tuple: " + tuple.length() + " characters");
        }
        List<String> literals = new java.util.ArrayList<>();
        boolean quoted = false;
        int start = 1;
        for (int i = 1; i < tuple.length() - 1; i++) {
            char c = tuple.charAt(i);
            if (c == '\'') {
                quoted = !quoted; // '' inside a string toggles twice
            } else if (c == ',' && !quoted) {
                literals.add(tuple.substring(start, i));
                start = i + 1;
            }
        }
        if (tuple.length() > 2) {
            literals.add(tuple.substring(start, tuple.length() - 1));
        }
        return literals;
    }

    static boolean isText(String literal) {
        return literal.startsWith("'");
    }

    static boolean isBlob(String literal) {
        return literal.startsWith("X'");
    }

    static boolean isHexText(String literal) {
        return literal.startsWith(HEX_TEXT_PREFIX);
    }

    static boolean splittable(String literal) {
        return isText(literal) || isBlob(literal) || isHexText(literal);
    }

    /** The empty value of the same storage class. */
    static String empty(String literal) {
        return isBlob(literal) ? "X''" : "''";
    }

    /**
     * SQL expression that appends {@code piece} to the column: text concatenates as text, BLOB
     * pieces are cast back to BLOB because {@code ||} always yields text.
     */
    static String append(String column, String literal, String piece) {
        return isBlob(literal) ? "CAST(" + column + " || " + piece + " AS BLOB)" : column + " || " + piece;
    }

    /** Cuts a literal into literals of at most {@code maxBytes} bytes each, concatenating to it. */
    static List<String> pieces(String literal, int maxBytes) {
        if (isBlob(literal)) {
            return hexPieces(literal.substring(2, literal.length() - 1), maxBytes - 3, "X'", "'");
        }
        if (isHexText(literal)) {
            String hex = literal.substring(HEX_TEXT_PREFIX.length(), literal.length() - HEX_TEXT_SUFFIX.length());
            return hexPieces(hex, maxBytes - HEX_TEXT_PREFIX.length() - HEX_TEXT_SUFFIX.length(),
                    HEX_TEXT_PREFIX, HEX_TEXT_SUFFIX);
        }
        return textPieces(SqlText.unquoteString(literal), maxBytes - 2);
    }

    private static List<String> hexPieces(String hex, int maxHex, String prefix, String suffix) {
        int step = Math.max(2, maxHex - maxHex % 2);
        List<String> out = new ArrayList<>();
        for (int i = 0; i < hex.length(); i += step) {
            out.add(prefix + hex.substring(i, Math.min(hex.length(), i + step)) + suffix);
        }
        return out;
    }

    /** Cuts text between characters (never inside a UTF-8 sequence), counting doubled quotes. */
    private static List<String> textPieces(String text, int maxBytes) {
        List<String> out = new ArrayList<>();
        StringBuilder piece = new StringBuilder();
        int size = 0;
        for (int i = 0; i < text.length(); ) {
            int cp = text.codePointAt(i);
            int n = Character.charCount(cp);
            int cost = cp == '\'' ? 2 : cp < 0x80 ? 1 : cp < 0x800 ? 2 : cp < 0x10000 ? 3 : 4;
            if (size + cost > maxBytes && piece.length() > 0) {
                out.add(SqlText.string(piece.toString()));
                piece.setLength(0);
                size = 0;
            }
            piece.appendCodePoint(cp);
            size += cost;
            i += n;
        }
        if (piece.length() > 0 || out.isEmpty()) {
            out.add(SqlText.string(piece.toString()));
        }
        return out;
    }
}
