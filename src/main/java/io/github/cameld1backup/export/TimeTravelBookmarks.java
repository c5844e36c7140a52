package io.github.cameld1backup.export;

import io.github.cameld1backup.core.BackupProperties;
import io.github.cameld1backup.model.BackupRun;
import io.github.cameld1backup.model.Manifest;
import io.github.cameld1backup.source.SourceVersions;
import java.nio.file.Path;
import org.apache.camel.Exchange;
import org.apache.camel.Body;
import org.apache.camel.ExchangeProperty;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Bean that records D1's Time Travel bookmark before a paged backup reads anything and after its
 * last page. D1 changes the bookmark with every write, so equal bookmarks prove the backup is one
 * point in time; different ones mean tables were read at different moments, and the manifest says
 * which bookmark Time Travel can restore for an exact point. Equal bookmarks also become the run's
 * source version (what {@code backup.skip.unchanged} compares); a local SQLite file's version is taken the
 * same way, before and after ({@link SourceVersions}'s {@code sqlite}).
 */
public class TimeTravelBookmarks {

    private static final Logger LOG = LoggerFactory.getLogger(TimeTravelBookmarks.class);

    public void before(@Body String bookmark, @ExchangeProperty(BackupProperties.RUN) BackupRun run) {
        run.timeTravel(new Manifest.TimeTravel(bookmark, null, false, null));
    }

    public void after(@Body String bookmark, @ExchangeProperty(BackupProperties.RUN) BackupRun run) {
        String before = run.timeTravel() == null ? null : run.timeTravel().bookmarkBefore();
        if (bookmark.equals(before)) {
            run.sourceVersion(bookmark); // the database the run read, for backup.skip.unchanged
            run.timeTravel(new Manifest.TimeTravel(before, bookmark, true, "No write reached the database while the"
                    + " backup ran: it is the database as of bookmark " + bookmark + "."));
            return;
        }
        String note = "The database was written to while the backup ran (bookmark " + before + " at the start, "
                + bookmark + " at the end), so tables read at different moments may not agree with each other. For an"
                + " exact point in time, Time Travel can restore the database in place to the end of this backup:"
                + " wrangler d1 time-travel restore " + run.databaseName() + " --bookmark=" + bookmark
                + " (or to its start with --bookmark=" + before + "); --mode export takes a consistent snapshot.";
        run.timeTravel(new Manifest.TimeTravel(before, bookmark, false, note));
        LOG.warn("Backup {}: {}", run.id(), note);
    }

    /** Exchange property: a SQLite file's version when the run began reading it. */
    static final String FILE_VERSION_BEFORE = "sourceVersionBefore";

    /** A SQLite file source: its version before anything is read. */
    public void fileBefore(@ExchangeProperty(BackupProperties.RUN) BackupRun run, Exchange exchange) {
        exchange.setProperty(FILE_VERSION_BEFORE, SourceVersions.sqlite(Path.of(run.source().location())));
    }

    /**
     * A SQLite file source after its last read: the same version as before, the backup is that version of the
     * file (each of the run's queries opens the file anew, so a write between two of them is seen here).
     */
    public void fileAfter(@ExchangeProperty(BackupProperties.RUN) BackupRun run, Exchange exchange) {
        String before = exchange.getProperty(FILE_VERSION_BEFORE, String.class);
        exchange.removeProperty(FILE_VERSION_BEFORE);
        String after = SourceVersions.sqlite(Path.of(run.source().location()));
        if (after.equals(before)) {
            run.sourceVersion(after);
        } else {
            LOG.info("Backup {}: the SQLite file changed while it was read; no source version recorded", run.id());
        }
    }

    /** D1's export is one snapshot: the backup is exactly the database at {@code bookmark}. */
    static Manifest.TimeTravel snapshot(String bookmark, String database) {
        return new Manifest.TimeTravel(bookmark, bookmark, true, "D1's export: a consistent snapshot at bookmark "
                + bookmark + " (wrangler d1 time-travel restore " + database + " --bookmark=" + bookmark
                + " returns the database to this point).");
    }
}
