package io.github.cameld1backup.testing;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.cameld1backup.dump.InsertWriter;
import io.github.cameld1backup.dump.SqlDump;
import io.github.cameld1backup.sql.SqlScript;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;

/** What D1's import demands of a dump, checked statement by statement. */
public final class DumpRules {

    private DumpRules() {
    }

    public static List<String> check(Path dump) throws IOException {
        String text = Files.readString(dump);
        assertThat(text).endsWith(SqlDump.END_MARKER + "\n");
        List<String> statements = SqlScript.split(text);
        int lastCreateTable = -1, firstInsert = Integer.MAX_VALUE, lastData = -1, firstTail = Integer.MAX_VALUE;
        int firstTrigger = Integer.MAX_VALUE, lastNonTrigger = -1;
        for (int i = 0; i < statements.size(); i++) {
            String s = statements.get(i);
            String head = s.replaceAll("(?s)^(\\s*--[^\\n]*\\n)*\\s*", "").toUpperCase(Locale.ROOT);
            assertThat(s.getBytes(StandardCharsets.UTF_8).length).as("statement size").isLessThanOrEqualTo(100_000);
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
}
