package io.github.cameld1backup.dump;

import io.github.cameld1backup.BackupRun;
import io.github.cameld1backup.schema.Table;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keeps a dump's bytes in table order while tables are dumped in parallel. The first table not yet
 * in the dump writes straight into it; any other writes into a part file of its own, appended once
 * every table before it is in. So the dump is byte for byte the one a sequential run writes, and a
 * sequential run (or a single table) copies nothing.
 */
public final class TableParts {

    private static final Logger LOG = LoggerFactory.getLogger(TableParts.class);

    private final BackupRun run;
    private final SqlDumpWriter dump;
    private final Path directory;
    private final List<Table> order;
    private final Map<Integer, Part> parts = new HashMap<>();
    private int next;
    private boolean dumpInUse;
    /** Set when the run failed: no table starts, and one still going leaves no part behind. */
    private boolean cancelled;

    private record Part(SqlDumpWriter writer, Path file, Long rows, boolean finished) {
    }

    public TableParts(BackupRun run, List<Table> order) {
        this.run = run;
        this.dump = run.writer();
        this.directory = run.spool().toAbsolutePath().getParent();
        this.order = order;
    }

    /** The writer a table's data goes to. */
    public synchronized SqlDumpWriter open(Table table) {
        if (cancelled) {
            throw new IllegalStateException("the backup has failed: table " + table.name() + " is not read");
        }
        int index = indexOf(table);
        if (index == next && !dumpInUse) {
            dumpInUse = true;
            return dump;
        }
        try {
            Path file = Files.createTempFile(directory, "camel-d1-backup-table-", ".sql.part");
            file.toFile().deleteOnExit();
            SqlDumpWriter writer = new SqlDumpWriter(Files.newOutputStream(file), dump.maxStatementBytes());
            parts.put(index, new Part(writer, file, null, false));
            return writer;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * A table is written ({@code rows} null when its rows are not copied): the run counts it now (for
     * progress), and its data joins the dump in table order, with any later tables waiting for it.
     */
    public synchronized void close(Table table, SqlDumpWriter writer, Long rows) throws IOException {
        int index = indexOf(table);
        if (cancelled) { // discard() closed and deleted this table's part already
            return;
        }
        run.tableDone(table.name(), rows);
        if (writer == dump) {
            dumpInUse = false;
            next++;
        } else {
            writer.close();
            Part part = parts.get(index);
            parts.put(index, new Part(writer, part.file(), rows, true));
        }
        while (!dumpInUse && parts.containsKey(next) && parts.get(next).finished()) {
            Part part = parts.remove(next);
            dump.append(part.writer(), part.file());
            Files.delete(part.file());
            next++;
        }
    }

    /** After a failure: removes the part files left. */
    public synchronized void discard() {
        cancelled = true;
        for (Part part : parts.values()) {
            try {
                part.writer().close();
                Files.deleteIfExists(part.file());
            } catch (IOException | UncheckedIOException e) {
                LOG.warn("Could not delete scratch file {}: {}", part.file(), e.getMessage());
            }
        }
        parts.clear();
    }

    private int indexOf(Table table) {
        for (int i = 0; i < order.size(); i++) {
            if (order.get(i).name().equals(table.name())) {
                return i;
            }
        }
        throw new IllegalArgumentException("table " + table.name() + " is not in this dump");
    }
}
