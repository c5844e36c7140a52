package io.github.cameld1backup.model;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * What a run records and reads for incremental backups, table by table. With a {@link #parent()} the
 * run is an incremental: the rows it copies and the key ranges it deletes apply on top of that backup.
 * Without one it is a full backup that still records each strategy table's watermark, so the next
 * incremental can start from it.
 */
public final class IncrementalPlan {

    private final Manifest parent;
    private final Map<String, TablePlan> tables = new LinkedHashMap<>();

    public IncrementalPlan(Manifest parent) {
        this.parent = parent;
    }

    /** The backup this one applies on top of; null for a full backup. */
    public Manifest parent() {
        return parent;
    }

    public boolean incremental() {
        return parent != null;
    }

    public void add(TablePlan table) {
        tables.put(table.name().toLowerCase(Locale.ROOT), table);
    }

    /** The plan of a table (null: none, copied whole with nothing recorded). */
    public TablePlan table(String name) {
        return tables.get(name.toLowerCase(Locale.ROOT));
    }

    public List<TablePlan> tables() {
        return List.copyOf(tables.values());
    }

    /** The manifest's record of every planned table. */
    public Map<String, Manifest.TableChange> changes() {
        Map<String, Manifest.TableChange> out = new LinkedHashMap<>();
        tables.values().forEach(t -> out.put(t.name(), t.change()));
        return out;
    }

    /**
     * One table. {@code column}: its watermark column (null: copied whole). {@code from}: the parent's
     * watermark as an SQL literal; rows at or above it are copied (null: every row). {@code keyed}:
     * whether the table's rows are addressed by an integer rowid, so the key ranges deleted since the
     * parent can be found by reading keys only. {@code indexed}: see {@link #indexed()}.
     */
    public static final class TablePlan {
        private final String name;
        private final String column;
        private final String from;
        private final boolean keyed;
        private final boolean indexed;
        private String watermark;
        private final List<long[]> present = new ArrayList<>();
        private boolean keysRead;
        private long rows;

        public TablePlan(String name, String column, String from, boolean keyed, boolean indexed) {
            this.name = name;
            this.column = column;
            this.from = from;
            this.keyed = keyed;
            this.indexed = indexed;
        }

        /** Whether an index starts with the watermark column and the column holds no NULL (NOT NULL). */
        public boolean indexed() {
            return indexed;
        }

        public String name() {
            return name;
        }

        public String column() {
            return column;
        }

        public String from() {
            return from;
        }

        public boolean keyed() {
            return keyed;
        }

        /** The watermark column's largest value before the rows were read (an SQL literal; null: empty table). */
        public synchronized String watermark() {
            return watermark;
        }

        public synchronized void watermark(String literal) {
            this.watermark = literal;
        }

        /** Adds a run of keys present in the table, {@code first..last}, in key order (joined to the run it continues). */
        public synchronized void present(long first, long last) {
            keysRead = true;
            if (!present.isEmpty() && present.get(present.size() - 1)[1] + 1 == first) {
                present.get(present.size() - 1)[1] = last;
                return;
            }
            present.add(new long[] {first, last});
        }

        /** Records that the table's keys were read (an empty table has no run of them). */
        public synchronized void keysRead() {
            keysRead = true;
        }

        public synchronized boolean hasKeys() {
            return keysRead;
        }

        /** The runs of keys present, in order. */
        public synchronized List<long[]> presentKeys() {
            return Collections.unmodifiableList(new ArrayList<>(present));
        }

        /** Counts rows this backup holds for the table. */
        public synchronized void rows(long n) {
            rows += n;
        }

        public synchronized Manifest.TableChange change() {
            return new Manifest.TableChange(column == null ? "whole" : "watermark", column, watermark, rows,
                    keysRead ? (long) present.size() + 1 : null,
                    keysRead ? present.stream().mapToLong(r -> r[1] - r[0] + 1).sum() : null);
        }
    }
}
