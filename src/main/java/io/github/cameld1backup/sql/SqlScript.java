package io.github.cameld1backup.sql;

import java.io.IOException;
import java.io.Reader;
import java.io.StringReader;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.NoSuchElementException;

/**
 * Splits SQL text into complete statements the way SQLite's own {@code sqlite3_complete()} decides
 * completeness: a semicolon ends a statement unless it is inside a string, a quoted identifier, a
 * comment, or the body of a CREATE TRIGGER (which ends at {@code END;}). Reads from a Reader, so a
 * dump of any size is split in constant memory apart from the current statement.
 */
public final class SqlScript implements Iterator<String> {

    // Token classes and the transition table of sqlite3_complete() (see SQLite's complete.c).
    private static final int SEMI = 0, WS = 1, OTHER = 2, EXPLAIN = 3, CREATE = 4, TEMP = 5, TRIGGER = 6, END = 7;
    private static final int[][] TRANSITIONS = {
        /* 0 INVALID */ {1, 0, 2, 3, 4, 2, 2, 2},
        /* 1 START   */ {1, 1, 2, 3, 4, 2, 2, 2},
        /* 2 NORMAL  */ {1, 2, 2, 2, 2, 2, 2, 2},
        /* 3 EXPLAIN */ {1, 3, 3, 2, 4, 2, 2, 2},
        /* 4 CREATE  */ {1, 4, 2, 2, 2, 4, 5, 2},
        /* 5 TRIGGER */ {6, 5, 5, 5, 5, 5, 5, 5},
        /* 6 SEMI    */ {6, 6, 5, 5, 5, 5, 5, 7},
        /* 7 END     */ {1, 7, 5, 5, 5, 5, 5, 5},
    };

    private final Reader in;
    private int peeked = -2;
    private String next;
    private long line = 1;
    private long nextLine;

    public SqlScript(Reader in) {
        this.in = in;
    }

    /** All statements of a script held in memory (tests, small scripts). */
    public static List<String> split(String sql) {
        List<String> out = new ArrayList<>();
        new SqlScript(new StringReader(sql)).forEachRemaining(out::add);
        return out;
    }

    /** Line (1-based) on which the statement last returned by {@link #next()} starts. */
    public long lineOfLast() {
        return nextLine;
    }

    @Override
    public boolean hasNext() {
        if (next == null) {
            next = readStatement();
        }
        return next != null;
    }

    @Override
    public String next() {
        if (!hasNext()) {
            throw new NoSuchElementException();
        }
        String s = next;
        next = null;
        return s;
    }

    private int read() {
        try {
            int c;
            if (peeked != -2) {
                c = peeked;
                peeked = -2;
            } else {
                c = in.read();
            }
            if (c == '\n') {
                line++;
            }
            return c;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private int peek() {
        if (peeked == -2) {
            try {
                peeked = in.read();
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        return peeked;
    }

    /** The next statement including its final semicolon, trimmed; null at the end of input. */
    private String readStatement() {
        StringBuilder sb = new StringBuilder();
        int state = 0;
        boolean meaningful = false;
        long startLine = -1;
        int c;
        while ((c = read()) != -1) {
            int token;
            if (Character.isWhitespace(c)) {
                sb.append((char) c);
                token = WS;
            } else if (c == '-' && peek() == '-') {
                sb.append((char) c);
                while ((c = read()) != -1 && c != '\n') {
                    sb.append((char) c);
                }
                if (c == '\n') {
                    sb.append('\n');
                }
                token = WS;
            } else if (c == '/' && peek() == '*') {
                sb.append((char) c).append((char) read());
                int prev = 0;
                while ((c = read()) != -1) {
                    sb.append((char) c);
                    if (prev == '*' && c == '/') {
                        break;
                    }
                    prev = c;
                }
                token = WS;
            } else if (c == '\'' || c == '"' || c == '`' || c == '[') {
                if (startLine < 0) {
                    startLine = line;
                }
                int close = c == '[' ? ']' : c;
                sb.append((char) c);
                while ((c = read()) != -1) {
                    sb.append((char) c);
                    if (c == close) {
                        if (close != ']' && peek() == close) {
                            sb.append((char) read());
                        } else {
                            break;
                        }
                    }
                }
                token = OTHER;
            } else if (c == ';') {
                sb.append(';');
                token = SEMI;
            } else if (Character.isLetterOrDigit(c) || c == '_' || c == '$' || c >= 0x80) {
                if (startLine < 0) {
                    startLine = line;
                }
                StringBuilder word = new StringBuilder().append((char) c);
                while (peek() != -1 && (Character.isLetterOrDigit(peek()) || peek() == '_' || peek() == '$' || peek() >= 0x80)) {
                    word.append((char) read());
                }
                sb.append(word);
                token = keyword(word.toString(), state);
            } else {
                if (startLine < 0) {
                    startLine = line;
                }
                sb.append((char) c);
                token = OTHER;
            }
            if (token != WS && token != SEMI) {
                meaningful = true;
            }
            state = TRANSITIONS[state][token];
            if (token == SEMI && state == 1) {
                if (meaningful) {
                    nextLine = startLine;
                    return sb.toString().trim();
                }
                sb.setLength(0); // a lone ';' or comment-only piece is not a statement
                startLine = -1;
            }
        }
        String rest = sb.toString().trim();
        if (meaningful && !rest.isEmpty()) {
            nextLine = startLine;
            return rest; // last statement without a terminating semicolon
        }
        return null;
    }

    private static int keyword(String word, int state) {
        switch (word.toUpperCase(Locale.ROOT)) {
            case "CREATE":
                return CREATE;
            case "TRIGGER":
                return TRIGGER;
            case "TEMP":
            case "TEMPORARY":
                return TEMP;
            case "END":
                return END;
            case "EXPLAIN":
                return EXPLAIN;
            default:
                return OTHER;
        }
    }
}
