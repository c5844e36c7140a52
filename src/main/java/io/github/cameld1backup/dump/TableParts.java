package io.github.cameld1backup.dump;

import io.github.cameld1backup.BackupRun;
import io.github.cameld1backup.schema.Table;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keeps a dump's bytes in table order while tables are dumped in parallel. The first table not yet
 * in the dump writes straight into it; any other writes into a part of its own, appended once every
 * table before it is in. So the dump is byte for byte the one a sequential run writes, and a
 * sequential run (or a single table) copies nothing. Parts are held in memory up to the run's
 * budget (backup.parallel.memory.bytes, for all parts together), then spill to scratch files.
 */
public final class TableParts {

    private static final Logger LOG = LoggerFactory.getLogger(TableParts.class);
    private static final int CHUNK_BYTES = 1 << 16;

    private final BackupRun run;
    private final SqlDumpWriter dump;
    private final Path directory;
    private final List<Table> order;
    private final Map<Integer, Part> parts = new HashMap<>();
    private final long memoryBudget;
    private long memoryUsed;
    private int next;
    private boolean dumpInUse;
    /** Set when the run failed: no table starts, and one still going leaves no part behind. */
    private boolean cancelled;

    private record Part(SqlDumpWriter writer, PartBuffer content, Long rows, boolean finished) {
    }

    public TableParts(BackupRun run, List<Table> order) {
        this.run = run;
        this.dump = run.writer();
        this.directory = run.spool().toAbsolutePath().getParent();
        this.order = order;
        this.memoryBudget = run.settings().parallelMemoryBytes();
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
        PartBuffer content = new PartBuffer();
        SqlDumpWriter writer = new SqlDumpWriter(content, dump.maxStatementBytes());
        parts.put(index, new Part(writer, content, null, false));
        return writer;
    }

    /**
     * A table is written ({@code rows} null when its rows are not copied): the run counts it now (for
     * progress), and its data joins the dump in table order, with any later tables waiting for it.
     */
    public synchronized void close(Table table, SqlDumpWriter writer, Long rows) throws IOException {
        int index = indexOf(table);
        if (cancelled) { // discard() dropped this table's part already
            return;
        }
        run.tableDone(table.name(), rows);
        if (writer == dump) {
            dumpInUse = false;
            next++;
        } else {
            writer.close();
            Part part = parts.get(index);
            parts.put(index, new Part(writer, part.content(), rows, true));
        }
        while (!dumpInUse && parts.containsKey(next) && parts.get(next).finished()) {
            Part part = parts.remove(next);
            dump.append(part.writer(), part.content()::transferTo);
            next++;
        }
    }

    /** After a failure: drops the parts left, scratch files included. */
    public synchronized void discard() {
        cancelled = true;
        for (Part part : parts.values()) {
            try {
                part.writer().close();
            } catch (IOException | UncheckedIOException e) {
                LOG.debug("Closing a discarded part: {}", e.getMessage());
            }
            part.content().delete();
        }
        parts.clear();
    }

    private synchronized boolean reserve(int bytes) {
        if (memoryUsed + bytes > memoryBudget) {
            return false;
        }
        memoryUsed += bytes;
        return true;
    }

    private synchronized void release(long bytes) {
        memoryUsed -= bytes;
    }

    private int indexOf(Table table) {
        for (int i = 0; i < order.size(); i++) {
            if (order.get(i).name().equals(table.name())) {
                return i;
            }
        }
        throw new IllegalArgumentException("table " + table.name() + " is not in this dump");
    }

    /** One table's SQL while it waits: chunks in memory within the budget, then a scratch file. */
    private final class PartBuffer extends OutputStream {
        private final List<byte[]> chunks = new ArrayList<>();
        private int lastFilled = CHUNK_BYTES;
        private Path file;
        private OutputStream spill;

        @Override
        public void write(int b) throws IOException {
            write(new byte[] {(byte) b}, 0, 1);
        }

        @Override
        public void write(byte[] b, int off, int len) throws IOException {
            while (len > 0 && spill == null) {
                if (lastFilled == CHUNK_BYTES) {
                    if (!reserve(CHUNK_BYTES)) {
                        spillToFile();
                        break;
                    }
                    chunks.add(new byte[CHUNK_BYTES]);
                    lastFilled = 0;
                }
                int n = Math.min(len, CHUNK_BYTES - lastFilled);
                System.arraycopy(b, off, chunks.get(chunks.size() - 1), lastFilled, n);
                lastFilled += n;
                off += n;
                len -= n;
            }
            if (len > 0) {
                spill.write(b, off, len);
            }
        }

        private void spillToFile() throws IOException {
            file = Files.createTempFile(directory, "camel-d1-backup-table-", ".sql.part");
            file.toFile().deleteOnExit();
            spill = Files.newOutputStream(file);
            writeChunks(spill);
            freeChunks();
        }

        @Override
        public void close() throws IOException {
            if (spill != null) {
                spill.close();
            }
        }

        /** Writes the part into the dump and lets go of it. */
        void transferTo(OutputStream target) throws IOException {
            if (file != null) {
                Files.copy(file, target);
                Files.delete(file);
            } else {
                writeChunks(target);
                freeChunks();
            }
        }

        void delete() {
            freeChunks();
            if (file != null) {
                try {
                    Files.deleteIfExists(file);
                } catch (IOException e) {
                    LOG.warn("Could not delete scratch file {}: {}", file, e.getMessage());
                }
            }
        }

        private void writeChunks(OutputStream target) throws IOException {
            for (int i = 0; i < chunks.size(); i++) {
                target.write(chunks.get(i), 0, i == chunks.size() - 1 ? lastFilled : CHUNK_BYTES);
            }
        }

        private void freeChunks() {
            release((long) chunks.size() * CHUNK_BYTES);
            chunks.clear();
        }
    }
}
