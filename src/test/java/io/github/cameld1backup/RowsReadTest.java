package io.github.cameld1backup;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.cameld1backup.model.BackupResult;
import io.github.cameld1backup.testing.Backups;
import io.github.cameld1backup.testing.DatabaseSnapshot;
import io.github.cameld1backup.testing.Fixtures;
import io.github.cameld1backup.testing.Sqlite3Cli;
import io.github.cameld1backup.testing.WorkerdD1;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** D1 bills rows read: a backup reads each row once, in few requests. */
class RowsReadTest {

    @TempDir
    Path tmp;

    @Test
    void eachRowIsReadOnceWithKeysetPaging() throws Exception {
        int rows = 10_000;
        try (WorkerdD1 d1 = new WorkerdD1()) {
            String id = d1.addDatabase("many", Fixtures.manyRows(tmp, "many", rows));
            Map<String, String> settings = Backups.d1(d1, id);
            // Pages of at most 700 rows: many pages, so a repeated or skipped row would show.
            settings.put("backup.page.max.rows", "700");
            BackupResult result = Backups.run(settings, tmp.resolve("backups"));

            long dataRowsRead = d1.log().stream()
                    .filter(e -> e.sql().contains(" LIMIT ")) // the pages; not the schema's queries
                    .mapToLong(WorkerdD1.Executed::rowsRead).sum();
            assertThat(result.rows()).isEqualTo(2L * rows);
            // D1 bills the rowid table's rows exactly; a WITHOUT ROWID page's seek also counts the key it
            // starts after (one row a page, measured on workerd's D1).
            long pagesPerTableRead = 1 + (rows - 10 + 699) / 700;
            assertThat(dataRowsRead).isBetween(2L * rows, 2L * rows + pagesPerTableRead);
            assertThat(d1.log()).noneMatch(e -> e.sql().toUpperCase().contains("OFFSET"));
            // The name lookup, the bookmark before and after, sqlite_master, one batch of PRAGMAs, and per
            // table a first page of 10 rows then pages of 700.
            long pagesPerTable = 1 + (rows - 10 + 699) / 700;
            assertThat(d1.requests()).isEqualTo(3 + 2 + 2 * pagesPerTable);
        }
    }

    @Test
    void pagesGrowToTheByteTargetForNarrowRows() throws Exception {
        try (WorkerdD1 d1 = new WorkerdD1()) {
            String id = d1.addDatabase("many", Fixtures.manyRows(tmp, "many", 30_000));
            BackupResult result = Backups.run(Backups.d1(d1, id), tmp.resolve("backups"));
            // Default settings: a first page of 10 rows, then one page for the rest of each table (and
            // the two bookmarks).
            assertThat(result.requests()).isEqualTo(2 + 2 + 2 * 2);
            assertThat(d1.requests()).isEqualTo(result.requests() + 1); // + the database name lookup
        }
    }

    /**
     * Rows near D1's 2 MB limit: before a table's first rows are seen nothing tells their width, so the
     * first page asks for few rows (never 100: 400 MB of literals); D1 refuses even those (a BLOB's quote()
     * passes its 2,000,000-byte strings), so the page is halved down to one row, then asked with such
     * values in pieces; later pages are sized by the bytes seen. Every value comes back whole.
     */
    @Test
    void wideRowsComeAFewToAnAnswer() throws Exception {
        Path db = tmp.resolve("wide.db");
        try (java.sql.Connection c = java.sql.DriverManager.getConnection("jdbc:sqlite:" + db);
             java.sql.Statement s = c.createStatement()) {
            s.execute("CREATE TABLE files (id INTEGER PRIMARY KEY, content BLOB)");
            s.execute("INSERT INTO files WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 24)"
                    + " SELECT i, randomblob(1900000) FROM n");
        }
        try (WorkerdD1 d1 = new WorkerdD1()) {
            BackupResult result = Backups.run(Backups.d1(d1, d1.addDatabase("wide", db)), tmp.resolve("backups"));
            assertThat(result.rows()).isEqualTo(24);
            List<Long> pageRows = d1.log().stream().filter(e -> e.sql().contains(" LIMIT "))
                    .map(WorkerdD1.Executed::rowsRead).toList();
            // Each row read once (and, by the last page, the one past the end D1 looks at).
            assertThat(pageRows).allSatisfy(n -> assertThat(n).isLessThanOrEqualTo(1));
            assertThat(pageRows.stream().mapToLong(Long::longValue).sum()).isBetween(24L, 25L);
            Path restored = tmp.resolve("restored.db");
            Sqlite3Cli.load(restored, Path.of(result.location()));
            assertThat(DatabaseSnapshot.of(restored))
                    .isEqualTo(DatabaseSnapshot.of(db));
        }
    }
}
