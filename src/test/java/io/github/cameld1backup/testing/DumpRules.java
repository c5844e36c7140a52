package io.github.cameld1backup.testing;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.cameld1backup.dump.DumpEnd;
import io.github.cameld1backup.dump.InsertWriter;
import io.github.cameld1backup.dump.SqlDump;
import io.github.cameld1backup.sql.SqlScript;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Locale;

/** What D1's import demands of a dump, checked statement by statement. */
public final class DumpRules {

    private DumpRules() {
    }

    /** D1's limit of one statement, the default of backup.statement.max.bytes. */
    public static final int D1_STATEMENT_BYTES = 100_000;

    public static List<String> check(Path dump) throws IOException {
        return check(dump, List.of(), D1_STATEMENT_BYTES);
    }

    /**
     * Also: no comment holds any of {@code names} (the database's table and column names), and every
     * statement, with the text D1's splitter puts in front of it, is at most {@code maxStatementBytes}.
     */
    public static List<String> check(Path dump, Collection<String> names, int maxStatementBytes) throws IOException {
        String text = Files.readString(dump);
        // It ends with a statement: text after the last one would leave D1 a remainder without a statement.
        assertThat(text).endsWith("\n" + SqlDump.END_MARKER + "\n");
        assertThat(DumpEnd.complete(text)).as("complete").isTrue();
        List<String> statements = SqlScript.split(text);
        List<Integer> sizes = splitterSizes(text, statements);
        for (int i = 0; i < statements.size(); i++) {
            assertThat(sizes.get(i)).as("statement %d with the text in front of it: %s", i + 1,
                    abbreviate(statements.get(i))).isLessThanOrEqualTo(maxStatementBytes);
        }
        List<String> comments = header(statements.get(0));
        for (String comment : comments) {
            assertThat(comment).as("a header comment").doesNotContain("'", "\"", "`", ";");
            for (String name : names) {
                assertThat(comment).as("a header comment").doesNotContain(name);
            }
        }
        for (int i = 1; i < statements.size(); i++) {
            String s = statements.get(i);
            assertThat(s.startsWith("--") || s.startsWith("/*")).as("a comment in front of statement %d: %s", i + 1,
                    abbreviate(s)).isFalse();
        }
        int lastCreateTable = -1, firstInsert = Integer.MAX_VALUE, lastData = -1, firstTail = Integer.MAX_VALUE;
        int firstTrigger = Integer.MAX_VALUE, lastNonTrigger = -1;
        // The end statement follows everything, triggers too: the order is checked up to it.
        assertThat(statements.get(statements.size() - 1)).isEqualTo(SqlDump.END_MARKER);
        for (int i = 0; i < statements.size() - 1; i++) {
            String s = statements.get(i);
            String head = s.replaceAll("(?s)^(\\s*--[^\\n]*\\n)*\\s*", "").toUpperCase(Locale.ROOT);
            assertThat(head).as("no transactions").doesNotStartWith("BEGIN").doesNotStartWith("COMMIT")
                    .doesNotStartWith("END").doesNotStartWith("ROLLBACK");
            assertThat(head).doesNotContain("WRITABLE_SCHEMA");
            boolean staging = head.startsWith(("CREATE TABLE IF NOT EXISTS \"" + InsertWriter.STAGING).toUpperCase(Locale.ROOT));
            if (staging) {
                // The dump's own table for building values too large for one statement: made and dropped
                // around such a row, among the data.
                lastData = i;
            } else if (head.startsWith("CREATE TABLE") || head.startsWith("CREATE VIRTUAL TABLE")) {
                lastCreateTable = i;
            } else if (head.startsWith("INSERT") || head.startsWith("UPDATE") || head.startsWith("DELETE")) {
                firstInsert = Math.min(firstInsert, i);
                lastData = i;
            } else if (head.startsWith("CREATE")) {
                firstTail = Math.min(firstTail, i);
            }
            if (head.startsWith("CREATE TRIGGER")) {
                firstTrigger = Math.min(firstTrigger, i);
            } else {
                lastNonTrigger = i;
            }
        }
        assertThat(lastCreateTable).as("tables before data").isLessThan(firstInsert);
        assertThat(lastData).as("data before indexes, views, triggers").isLessThan(firstTail);
        if (firstTrigger != Integer.MAX_VALUE) {
            assertThat(lastNonTrigger).as("triggers last").isLessThan(firstTrigger);
        }
        return statements;
    }

    /**
     * The bytes D1's splitter takes for each statement: from the end of the previous statement's
     * semicolon (the start of the text for the first) through its own semicolon, comments and
     * whitespace in front of it included. What is left after the last statement must be blank.
     */
    public static List<Integer> splitterSizes(String text, List<String> statements) {
        List<Integer> sizes = new ArrayList<>(statements.size());
        int from = 0;
        for (String s : statements) {
            int start = text.indexOf(s, from);
            assertThat(start).as("statement found in the text: %s", abbreviate(s)).isNotNegative();
            // SqlScript keeps comments with the statement after them; a lone ';' or a comment-only piece
            // (which D1 refuses) would be left in between.
            assertThat(text.substring(from, start)).as("only whitespace in front of: %s", abbreviate(s)).isBlank();
            int end = start + s.length();
            sizes.add(text.substring(from, end).getBytes(StandardCharsets.UTF_8).length);
            from = end;
        }
        assertThat(text.substring(from)).as("after the last statement").matches("[ \n]*");
        return sizes;
    }

    /** The comment lines at the top of the dump, without their {@code --}. */
    private static List<String> header(String first) {
        List<String> comments = new ArrayList<>();
        for (String line : first.split("\n", -1)) {
            String l = line.strip();
            if (!l.startsWith("--")) {
                break;
            }
            comments.add(l.substring(2));
        }
        assertThat(first.indexOf("/*")).as("no block comment at the top").isNegative();
        return comments;
    }

    private static String abbreviate(String s) {
        return s.length() <= 120 ? s : s.substring(0, 120) + "...";
    }
}
