package io.github.cameld1backup.progress;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.cameld1backup.observe.BackupProgress;
import io.github.cameld1backup.testing.Backups;
import io.github.cameld1backup.testing.WorkerdD1;
import io.github.cameld1backup.testing.Fixtures;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import org.apache.logging.log4j.Level;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.core.LogEvent;
import org.apache.logging.log4j.core.LoggerContext;
import org.apache.logging.log4j.core.appender.AbstractAppender;
import org.apache.logging.log4j.core.config.Property;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A multi-table backup logs where it stands: table i of n, rows, speed and an ETA when it can estimate one. */
class ProgressTest {

    @TempDir
    Path tmp;

    /** Collects the progress log lines of one backup. */
    static final class Capture extends AbstractAppender implements AutoCloseable {
        final List<String> lines = new CopyOnWriteArrayList<>();
        private final LoggerContext logs = (LoggerContext) LogManager.getContext(false);

        Capture() {
            super("progress-capture", null, null, false, Property.EMPTY_ARRAY);
            start();
            logs.getConfiguration().getLoggerConfig(BackupProgress.class.getName()).addAppender(this, Level.INFO, null);
            logs.updateLoggers();
        }

        @Override
        public void append(LogEvent event) {
            if (event.getLoggerName().equals(BackupProgress.class.getName())) {
                lines.add(event.getMessage().getFormattedMessage());
            }
        }

        @Override
        public void close() {
            logs.getConfiguration().getLoggerConfig(BackupProgress.class.getName()).removeAppender(getName());
            logs.updateLoggers();
        }
    }

    /** Three tables with rowids 1..n: 300, 200 and 100 rows. */
    private Path threeTables() throws Exception {
        Path db = tmp.resolve("three.db");
        try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + db); Statement s = c.createStatement()) {
            s.execute("CREATE TABLE orders (id INTEGER PRIMARY KEY, what TEXT)");
            s.execute("CREATE TABLE customers (name TEXT)"); // rowid without an alias
            s.execute("CREATE TABLE notes (id INTEGER PRIMARY KEY, body TEXT)");
            s.execute("WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 300)"
                    + " INSERT INTO orders SELECT i, 'order ' || i FROM n");
            s.execute("WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 200)"
                    + " INSERT INTO customers SELECT 'customer ' || i FROM n");
            s.execute("WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 100)"
                    + " INSERT INTO notes SELECT i, 'note ' || i FROM n");
        }
        return db;
    }

    private List<String> backUp(Map<String, String> settings) throws Exception {
        Backups.smallPages(settings);
        settings.put("backup.progress.interval", "PT0S"); // a line for every page
        try (Capture capture = new Capture()) {
            Backups.run(settings, tmp.resolve("backups-" + System.nanoTime()));
            return List.copyOf(capture.lines);
        }
    }

    @Test
    void sqliteRunReportsTablesRowsAndAnEtaFromTheRowids() throws Exception {
        List<String> lines = backUp(Backups.sqlite(threeTables()));

        for (int i = 1; i <= 3; i++) {
            String done = "Table " + i + " of 3 (";
            assertThat(lines).anyMatch(l -> l.startsWith(done) && l.contains(") done"));
        }
        // The first page already knows the total from the largest rowids: 600 rows.
        assertThat(lines).anyMatch(l -> l.contains(": table 1 of 3 (") && l.contains(" 3 of ~600 rows"));
        assertThat(lines).anyMatch(l -> l.matches(".* of ~600 rows, \\d+ rows/s, \\d+\\.\\d MB/s, ETA \\d+s"));
        // Tables are read side by side, so any of them may finish last; its line has the whole run.
        assertThat(lines.get(lines.size() - 1)).matches("Table [123] of 3 \\(\\w+\\) done.*")
                .contains("600 of ~600 rows").endsWith("ETA 0s");
        // Periodic lines come from pages, one per page at most: 3 tables of 50-row pages and a first page of 3.
        assertThat(lines.stream().filter(l -> l.startsWith("Backup ")).count()).isBetween(12L, 20L);
    }

    @Test
    void d1RunEstimatesFromItsAnswersToo() throws Exception {
        try (WorkerdD1 d1 = new WorkerdD1()) {
            String id = d1.addDatabase("three", threeTables());
            List<String> lines = backUp(Backups.d1(d1, id));
            assertThat(lines).anyMatch(l -> l.contains(": table 1 of 3 (") && l.contains(" 3 of ~600 rows"));
            assertThat(lines.get(lines.size() - 1)).contains("600 of ~600 rows");
        }
    }

    @Test
    void withoutRowidTablesLeaveTheEtaUnknown() throws Exception {
        List<String> lines = backUp(Backups.sqlite(Fixtures.manyRows(tmp, "many", 120)));
        // Only once every table is read is nothing left to estimate. The two tables are read side by side and
        // may finish together, so more than the last line can show the whole run.
        assertThat(lines).filteredOn(l -> !l.contains(" 240 of ~240 rows")).hasSizeGreaterThan(2)
                .allMatch(l -> l.endsWith("ETA unknown"));
        assertThat(lines.get(lines.size() - 1)).matches("Table [12] of 2 \\((items|pairs)\\) done.*")
                .contains(" 240 of ~240 rows");
    }
}
