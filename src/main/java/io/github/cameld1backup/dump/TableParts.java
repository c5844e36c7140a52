package io.github.cameld1backup.dump;

import io.github.cameld1backup.BackupRun;
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
 * Keeps a dump's bytes in order while tables (and segments of large tables, see {@link TableSegment})
 * are dumped in parallel. The first segment not yet in the dump writes straight into it; any other
 * writes into a part of its own, appended once every segment before it is in. So the dump's data is
 * in the order a sequential run writes it, and a sequential run copies nothing. Parts are held in
 * memory up to the run's budget (backup.parallel.memory.bytes, for all parts together), then spill to
 * scratch files. A table counts as done when its last segment is.
 */
public final class TableParts {

    private static final Logger LOG = LoggerFactory.getLogger(TableParts.class);
    private static final int CHUNK_BYTES = 1 << 16;

    private final BackupRun run;
    private final SqlDumpWriter dump;
    private final Path directory;
    private final List<TableSegment> order;
    private final Map<Integer, Part> parts = new HashMap<>();
    /** Per table still going: segments left, rows and pages so far. */
    private final Map<String, long[]> tables = new HashMap<>();
    private final long memoryBudget;
    private long memoryUsed;
    private int next;
    private boolean dumpInUse;
    /** Set when the run failed: no table starts, and one still going leaves no part behind. */
    private boolean cancelled;

    private record Part(SqlDumpWriter writer, PartBuffer content, Long rows, boolean finished) {
    }

    /** A table all of whose segments are written: its rows (null when not copied) and pages. */
    public record TableDone(Long rows, long pages) {
    }

    public TableParts(BackupRun run, List<TableSegment> order) {
        this.run = run;
        this.dump = run.writer();
        this.directory = run.spool().toAbsolutePath().getParent();
        this.order = order;
        this.memoryBudget = run.settings().parallelMemoryBytes();
    }

    /** The writer a segment's data goes to. */
    public synchronized SqlDumpWriter open(TableSegment segment) {
        if (cancelled) {
            throw new IllegalStateException("the backup has failed: table " + segment.table().name() + " is not read");
        }
        int index = indexOf(segment);
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
     * A segment is written ({@code rows} null when its rows are not copied): its data joins the dump in
     * order, with any later segments waiting for it. Answers the table's totals when this was its last
     * segment (the run counts the table then, for progress), else null.
     */
    public synchronized TableDone close(TableSegment segment, SqlDumpWriter writer, Long rows, long pages)
            throws IOException {
        int index = indexOf(segment);
        if (cancelled) { // discard() dropped this segment's part already
            return null;
        }
        String name = segment.table().name();
        long[] table = tables.computeIfAbsent(name, n -> new long[] {segment.count(), 0, 0});
        table[0]--;
        table[1] += rows == null ? 0 : rows;
        table[2] += pages;
        TableDone done = null;
        if (table[0] == 0) {
            tables.remove(name);
            done = new TableDone(rows == null ? null : table[1], table[2]);
            run.tableDone(name, done.rows());
        }
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
        return done;
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

    private int indexOf(TableSegment segment) {
        for (int i = 0; i < order.size(); i++) {
            if (order.get(i).number() == segment.number() && order.get(i).table().name().equals(segment.table().name())) {
                return i;
            }
        }
        throw new IllegalArgumentException("table " + segment.table().name() + " is not in this dump");
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
