package io.github.cameld1backup.dump;

import io.github.cameld1backup.model.BackupRun;
import io.github.cameld1backup.sql.SqlDumpWriter;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.io.OutputStream;
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
 * writes into a part of its own, which joins the dump when every segment before it is in: appended
 * whole if it is finished by then, else flushed and from then on written straight into the dump. So
 * the data is in the order a sequential run writes it, and a sequential run copies nothing.
 *
 * <p>Waiting parts are held in memory up to backup.parallel.memory.bytes for the run, then in scratch
 * files up to backup.parallel.scratch.bytes; a part that would pass both waits for its turn, so
 * neither memory nor scratch space grows with the database. A table counts as done when its last
 * segment is.
 */
public final class TableParts {

    private static final Logger LOG = LoggerFactory.getLogger(TableParts.class);
    private static final int CHUNK_BYTES = 1 << 16;

    private final BackupRun run;
    private final SqlDumpWriter dump;
    private final Path directory;
    private final List<TableSegment> order;
    /** Parts opened and not yet wholly in the dump, by position in {@link #order}. */
    private final Map<Integer, Part> parts = new HashMap<>();
    /** Per table still going: segments left, rows and pages so far. */
    private final Map<String, long[]> tables = new HashMap<>();
    private final long memoryBudget;
    private final long scratchBudget;
    private long memoryUsed;
    private long scratchUsed;
    /** The first segment not yet wholly in the dump. */
    private int next;
    /** Whether segment {@link #next} is writing into the dump (as the dump's own writer, or a part handed on). */
    private boolean nextWriting;
    /** Set when the run failed: no table starts, and one still going leaves no part behind. */
    private boolean cancelled;
    /** What failed the run: a segment stopped by the cancel reports it, not just the stop. */
    private Throwable failure;

    private record Part(SqlDumpWriter writer, PartBuffer content) {
    }

    /** A table all of whose segments are written: its rows (null when not copied), pages, and how many tables are done. */
    public record TableDone(Long rows, long pages, int number) {
    }

    public TableParts(BackupRun run, List<TableSegment> order) {
        this.run = run;
        this.dump = run.writer();
        this.directory = run.spool().toAbsolutePath().getParent();
        this.order = order;
        this.memoryBudget = run.settings().parallelMemoryBytes();
        this.scratchBudget = run.settings().parallelScratchBytes();
    }

    /** The writer a segment's data goes to. */
    public synchronized SqlDumpWriter open(TableSegment segment) {
        if (cancelled) {
            throw new IllegalStateException(failed() + ": table " + segment.table().name() + " is not read", failure);
        }
        int index = indexOf(segment);
        if (index == next && !nextWriting) {
            nextWriting = true;
            return dump;
        }
        PartBuffer content = new PartBuffer();
        SqlDumpWriter writer = SqlDumpWriter.part(content, dump.maxStatementBytes());
        parts.put(index, new Part(writer, content));
        return writer;
    }

    /**
     * A segment is written ({@code rows} null when its rows are not copied). Answers the table's totals
     * when this was its last segment (the run counts the table then, for progress), else null. Called
     * holding no other lock: appending waiting parts may take a while, and no request waits for it.
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
            Long tableRows = rows == null ? null : table[1];
            done = new TableDone(tableRows, table[2], run.tableDone(name, tableRows));
        }
        if (writer != dump) {
            writer.close(); // a part handed on flushes its last bytes into the dump here
            parts.get(index).content().finished = true;
        }
        if (index == next) {
            if (writer != dump) {
                dump.count(writer);
                parts.remove(index);
            }
            nextWriting = false;
            next++;
            advance();
        }
        return done;
    }

    /** After a failure: drops the parts left, scratch files included; parts waiting for room fail. */
    public synchronized void discard(Throwable cause) {
        cancelled = true;
        if (failure == null) {
            failure = cause;
        }
        notifyAll();
        // Not the parts' writers: a thread waiting for room holds its writer's lock until it sees the cancel.
        for (Part part : parts.values()) {
            part.content().delete();
        }
        parts.clear();
    }

    /** Segment {@link #next} is up: finished parts join the dump whole; one still going is handed the dump. */
    private void advance() throws IOException {
        while (!nextWriting && parts.containsKey(next)) {
            Part part = parts.get(next);
            if (part.content().finished) {
                try {
                    dump.append(part.writer(), part.content()::transferTo);
                } finally {
                    parts.remove(next);
                    part.content().delete(); // done by the transfer, unless it failed half-way
                }
                next++;
            } else {
                part.content().handOver(dump.flushedStream());
                nextWriting = true;
            }
        }
        notifyAll(); // room was freed, or a waiting part now writes into the dump
    }

    private String failed() {
        return "the backup has failed" + (failure == null ? "" : ": " + failure.getMessage());
    }

    private int indexOf(TableSegment segment) {
        for (int i = 0; i < order.size(); i++) {
            if (order.get(i).number() == segment.number() && order.get(i).table().name().equals(segment.table().name())) {
                return i;
            }
        }
        throw new IllegalArgumentException("table " + segment.table().name() + " is not in this dump");
    }

    /**
     * One segment's SQL while it waits: chunks in memory within the budget, then a scratch file within
     * its budget, else the writer waits; once handed the dump, its bytes go straight there. Every
     * method holds the TableParts lock, so a hand-over never interleaves with a write.
     */
    private final class PartBuffer extends OutputStream {
        private final List<byte[]> chunks = new ArrayList<>();
        private int lastFilled = CHUNK_BYTES;
        private Path file;
        private OutputStream spill;
        private long spilled;
        private OutputStream dumpStream;
        boolean finished;

        @Override
        public void write(int b) throws IOException {
            write(new byte[] {(byte) b}, 0, 1);
        }

        @Override
        public void write(byte[] b, int off, int len) throws IOException {
            synchronized (TableParts.this) {
                while (len > 0) {
                    if (cancelled) {
                        throw new IOException(failed(), failure);
                    }
                    if (dumpStream != null) {
                        dumpStream.write(b, off, len);
                        return;
                    }
                    int n;
                    if (spill == null && (lastFilled < CHUNK_BYTES || memoryUsed + CHUNK_BYTES <= memoryBudget)) {
                        if (lastFilled == CHUNK_BYTES) {
                            memoryUsed += CHUNK_BYTES;
                            chunks.add(new byte[CHUNK_BYTES]);
                            lastFilled = 0;
                        }
                        n = Math.min(len, CHUNK_BYTES - lastFilled);
                        System.arraycopy(b, off, chunks.get(chunks.size() - 1), lastFilled, n);
                        lastFilled += n;
                    } else {
                        n = Math.min(len, CHUNK_BYTES);
                        if (scratchUsed + n > scratchBudget) {
                            awaitRoom();
                            continue;
                        }
                        if (spill == null) {
                            file = Files.createTempFile(directory, "camel-d1-backup-table-", ".sql.part");
                            file.toFile().deleteOnExit();
                            spill = Files.newOutputStream(file);
                        }
                        spill.write(b, off, n);
                        spilled += n;
                        scratchUsed += n;
                    }
                    off += n;
                    len -= n;
                }
            }
        }

        private void awaitRoom() throws IOException {
            try {
                TableParts.this.wait();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new InterruptedIOException("interrupted while waiting for room for a table's part");
            }
        }

        @Override
        public void close() throws IOException {
            synchronized (TableParts.this) {
                if (spill != null) {
                    spill.close();
                }
            }
        }

        /** Writes what the part holds into the dump and lets go of it. */
        void transferTo(OutputStream target) throws IOException {
            if (spill != null) {
                spill.close();
            }
            for (int i = 0; i < chunks.size(); i++) {
                target.write(chunks.get(i), 0, i == chunks.size() - 1 ? lastFilled : CHUNK_BYTES);
            }
            if (file != null) {
                Files.copy(file, target);
            }
            delete();
        }

        /** The part's turn has come before it finished: what it holds goes into the dump, and so does the rest. */
        void handOver(OutputStream target) throws IOException {
            transferTo(target);
            spill = null;
            dumpStream = target;
        }

        void delete() {
            memoryUsed -= (long) chunks.size() * CHUNK_BYTES;
            chunks.clear();
            lastFilled = CHUNK_BYTES;
            scratchUsed -= spilled;
            spilled = 0;
            if (file != null) {
                try {
                    if (spill != null) {
                        spill.close();
                    }
                    Files.deleteIfExists(file);
                } catch (IOException e) {
                    LOG.warn("Could not delete scratch file {}: {}", file, e.getMessage());
                }
                file = null;
            }
        }
    }
}
