package io.github.cameld1backup;

import io.github.cameld1backup.api.ApiException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.apache.camel.Header;

/**
 * Bean that knows the runs of this process: at most one at a time (a trigger that finds one going
 * is refused with its id), and the state of recent ones for {@code GET /api/backup/runs/{id}}.
 */
public class RunRegistry {

    /** Header carrying a claimed run's id into {@code direct:backup}. */
    public static final String RUN_ID = "BackupRunId";
    private static final int KEEP = 50;

    private final Map<String, Entry> runs = new LinkedHashMap<>();
    private String running;

    private static final class Entry {
        final String id;
        final String trigger;
        final Instant claimedAt = Instant.now();
        volatile BackupRun run;
        volatile String state = "queued";
        volatile String error;
        volatile BackupResult result;
        volatile Instant finishedAt;

        Entry(String id, String trigger) {
            this.id = id;
            this.trigger = trigger;
        }
    }

    /** Reserves the single run slot; 409 with the running run's id when taken. */
    public synchronized String claim(String trigger) {
        if (running != null) {
            throw new ApiException(409, "a backup is already running", Map.of("running", running), 0);
        }
        String id = UUID.randomUUID().toString();
        runs.put(id, new Entry(id, trigger));
        running = id;
        while (runs.size() > KEEP) {
            runs.remove(runs.keySet().iterator().next());
        }
        return id;
    }

    /** The id a run should use: the claimed one, or a fresh one for runs nobody claimed (the CLI). */
    public synchronized String attach(String claimedId, BackupRun run) {
        Entry e = claimedId == null ? null : runs.get(claimedId);
        if (e == null) {
            e = new Entry(claimedId == null ? UUID.randomUUID().toString() : claimedId, "direct");
            runs.put(e.id, e);
        }
        e.run = run;
        e.state = "running";
        return e.id;
    }

    public synchronized void finished(String id, BackupResult result, String error) {
        Entry e = runs.get(id);
        if (e != null) {
            e.state = error == null ? "succeeded" : "failed";
            e.result = result;
            e.error = error;
            e.finishedAt = Instant.now();
        }
        if (id.equals(running)) {
            running = null;
        }
    }

    /** Frees the slot after a run, however it ended; a run that never got going is marked failed. */
    public synchronized void release(@Header(RUN_ID) String id) {
        Entry e = id == null ? null : runs.get(id);
        if (e != null && e.finishedAt == null) {
            finished(id, null, "the run ended before it started");
        }
        if (id != null && id.equals(running)) {
            running = null;
        }
    }

    public synchronized String running() {
        return running;
    }

    /** The runs this process remembers (the last 50), newest first, each as {@link #status} shows it. */
    public synchronized List<Map<String, Object>> recent() {
        List<Map<String, Object>> out = new ArrayList<>();
        runs.keySet().forEach(id -> out.add(0, status(id)));
        return out;
    }

    /** A run's state as the API shows it; 404 for an unknown id. */
    public synchronized Map<String, Object> status(String id) {
        Entry e = id == null ? null : runs.get(id);
        if (e == null) {
            throw new ApiException(404, "no such run");
        }
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("id", e.id);
        out.put("state", e.state);
        out.put("trigger", e.trigger);
        out.put("startedAt", e.claimedAt.toString());
        out.put("finishedAt", e.finishedAt == null ? null : e.finishedAt.toString());
        BackupRun run = e.run;
        if (run != null) {
            out.put("database", run.databaseName());
            out.put("tablesDone", run.tablesDone());
            out.put("tablesTotal", run.schema() == null ? null : run.schema().tables().size());
            out.put("rows", run.rows());
            out.put("bytes", run.writer().bytes());
        }
        if (e.result != null) {
            out.put("locations", e.result.locations());
            out.put("storedBytes", e.result.storedBytes());
        }
        List<String> errors = new ArrayList<>();
        if (e.error != null) {
            errors.add(e.error);
        }
        out.put("errors", errors);
        return out;
    }
}
