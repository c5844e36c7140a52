package io.github.cameld1backup.dump;

import io.github.cameld1backup.model.BackupRun;

/** Told of each page and table a dump writes (the progress reports implement it). */
public interface DumpListener {

    /** A page of rows of {@code dump} was written. */
    void pageWritten(BackupRun run, TableDump dump);

    /** A table (or segment) of {@code dump} is done. */
    void tableDone(BackupRun run, TableDump dump, TableParts.TableDone done);
}
