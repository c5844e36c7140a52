package io.github.cameld1backup.dump;

import io.github.cameld1backup.sql.SqlText;
import java.util.ArrayList;
import java.util.List;

/**
 * A value as the SQL literal the source selected for it: {@code quote(col)}, or
 * {@code CAST(X'..' AS TEXT)} for text holding NUL (which {@code quote()} would cut short).
 * Knows how to cut long text and BLOB literals into pieces that concatenate back to the value.
 */
final class SqlValue {

    private static final String NUL_TEXT_PREFIX = "CAST(X'";
    private static final String NUL_TEXT_SUFFIX = "' AS TEXT)";

    private SqlValue() {
    }

    /** Normalises literals some SQLite versions print in a form they cannot read back. */
    static String normalise(String literal) {
        if (literal == null) {
            throw new IllegalStateException("source returned no literal for a value");
        }
        // SQLite before 3.43 quotes infinities as Inf / -Inf; 9.0e+999 reads back as infinity everywhere.
        return switch (literal) {
            case "Inf" -> "9.0e+999";
            case "-Inf" -> "-9.0e+999";
            default -> literal;
        };
    }

    static boolean isText(String literal) {
        return literal.startsWith("'");
    }

    static boolean isBlob(String literal) {
        return literal.startsWith("X'");
    }

    static boolean isNulText(String literal) {
        return literal.startsWith(NUL_TEXT_PREFIX);
    }

    static boolean splittable(String literal) {
        return isText(literal) || isBlob(literal) || isNulText(literal);
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
        if (isNulText(literal)) {
            String hex = literal.substring(NUL_TEXT_PREFIX.length(), literal.length() - NUL_TEXT_SUFFIX.length());
            return hexPieces(hex, maxBytes - NUL_TEXT_PREFIX.length() - NUL_TEXT_SUFFIX.length(),
                    NUL_TEXT_PREFIX, NUL_TEXT_SUFFIX);
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
