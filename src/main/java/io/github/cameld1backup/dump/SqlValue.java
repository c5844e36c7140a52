package io.github.cameld1backup.dump;

import io.github.cameld1backup.sql.SqlText;
import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.Charset;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HexFormat;
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

    /** The integer that opens a row tuple {@code (123,...)} or {@code (-5)}, as its literal. */
    static String leadingInteger(byte[] tuple) {
        int end = 1;
        while (end < tuple.length && tuple[end] != ',' && tuple[end] != ')') {
            end++;
        }
        return new String(tuple, 1, end - 1, StandardCharsets.US_ASCII);
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
     * Whether a row tuple as SQLite's quote() printed it, in UTF-8, can go into the dump as it is: it is
     * valid UTF-8 and holds no carriage return and no infinity printed as Inf (what {@link #normalise}
     * rewrites). One pass over the bytes; a false alarm (text holding ",Inf," say) only costs the slow way.
     */
    static boolean asQuoted(byte[] tuple) {
        boolean ascii = true;
        for (int i = 0, n = tuple.length; i < n; i++) {
            byte b = tuple[i];
            if (b < 0) {
                ascii = false;
            } else if (b == '\r') {
                return false;
            } else if (b == 'I' && i + 3 < n && tuple[i + 1] == 'n' && tuple[i + 2] == 'f' && i > 0
                    && (tuple[i - 1] == ',' || tuple[i - 1] == '(' || tuple[i - 1] == '-')
                    && (tuple[i + 3] == ',' || tuple[i + 3] == ')')) {
                return false;
            }
        }
        return ascii || validUtf8(tuple, 0, tuple.length);
    }

    /**
     * The literals of a tuple {@code (v1,v2,...)} as SQLite's quote() prints them, in UTF-8: commas stand
     * between literals or inside quoted ones ('...', X'...'), never inside a number, NULL or CAST(X'..' AS
     * TEXT). Text that is not valid UTF-8 comes back as CAST(X'..' AS TEXT), so its bytes are kept.
     */
    static List<String> splitTuple(byte[] tuple) {
        int n = tuple.length;
        if (n < 2 || tuple[0] != '(' || tuple[n - 1] != ')') {
            throw new IllegalStateException("source returned no row tuple: " + n + " bytes");
        }
        List<String> literals = new ArrayList<>();
        boolean quoted = false;
        int start = 1;
        for (int i = 1; i < n - 1; i++) {
            byte b = tuple[i];
            if (b == '\'') {
                quoted = !quoted; // '' inside a string toggles twice; 0x27 is never part of a longer UTF-8 sequence
            } else if (b == ',' && !quoted) {
                literals.add(literal(tuple, start, i));
                start = i + 1;
            }
        }
        if (n > 2) {
            literals.add(literal(tuple, start, n - 1));
        }
        return literals;
    }

    /**
     * A tuple or literal from a database that keeps its text in {@code encoding} (UTF-16), otherwise in
     * UTF-8 already: its CAST(X'..' AS TEXT) literals hold that encoding's bytes (SQLite's hex() gives
     * the stored bytes) and are rewritten to UTF-8's, which every restore reads.
     */
    static byte[] hexTextFrom(Charset encoding, byte[] utf8) {
        String text = new String(utf8, StandardCharsets.UTF_8);
        if (!text.contains(HEX_TEXT_PREFIX)) {
            return utf8;
        }
        boolean tuple = text.startsWith("(");
        List<String> literals = new ArrayList<>();
        for (String literal : tuple ? splitTuple(utf8) : List.of(text)) {
            literals.add(isHexText(literal) ? SqlText.hexText(new String(HexFormat.of().parseHex(
                    literal.substring(HEX_TEXT_PREFIX.length(), literal.length() - HEX_TEXT_SUFFIX.length())),
                    encoding)) : literal);
        }
        return SqlText.utf8(tuple ? "(" + String.join(",", literals) + ")" : literals.get(0));
    }

    /** One literal as quote() printed it, in UTF-8; text that is not valid UTF-8 as CAST(X'..' AS TEXT). */
    static String literal(byte[] literal) {
        return literal(literal, 0, literal.length);
    }

    private static String literal(byte[] tuple, int from, int to) {
        if (tuple[from] == '\'' && !validUtf8(tuple, from, to)) {
            ByteArrayOutputStream text = new ByteArrayOutputStream(to - from);
            for (int i = from + 1; i < to - 1; i++) {
                text.write(tuple[i]);
                if (tuple[i] == '\'') {
                    i++; // the second quote of a doubled one
                }
            }
            return SqlText.hexText(text.toByteArray());
        }
        return new String(tuple, from, to - from, StandardCharsets.UTF_8);
    }

    private static boolean validUtf8(byte[] bytes, int from, int to) {
        try {
            StandardCharsets.UTF_8.newDecoder().decode(ByteBuffer.wrap(bytes, from, to - from));
            return true;
        } catch (CharacterCodingException e) {
            return false;
        }
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
