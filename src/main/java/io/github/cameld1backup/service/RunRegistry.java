package io.github.cameld1backup.service;

import io.github.cameld1backup.config.TargetSpec;
import io.github.cameld1backup.core.ApiException;
import io.github.cameld1backup.core.BackupHeaders;
import io.github.cameld1backup.core.Failures;
import io.github.cameld1backup.model.BackupResult;
import io.github.cameld1backup.model.BackupRun;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import org.apache.camel.Exchange;
import org.apache.camel.Header;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Bean that knows the runs of this process: at most one at a time per database (a trigger that
 * finds one going is refused with its id; other databases run on), and the state of recent ones
 * for {@code GET /api/backup/runs/{id}}.
 *
 * <p>With a cluster folder (backup.cluster), a run also holds a lock file there for its database,
 * so runs never overlap across replicas either. The file keeps the id of the run holding it and is
 * emptied when the run ends: an id in a file nobody holds belongs to a run whose replica died.
 */
public class RunRegistry {

    /** Header carrying a claimed run's id into {@code direct:backup}. */
    public static final String RUN_ID = "BackupRunId";
    private static final int KEEP = 50;
    private static final Logger LOG = LoggerFactory.getLogger(RunRegistry.class);

    private final Map<String, Entry> runs = new LinkedHashMap<>();
    /** The running run of each database (key: its name, "" for the unnamed one). */
    private final Map<String, Slot> running = new LinkedHashMap<>();
    private final Path lockFolder;

    private record Slot(String runId, FileChannel channel, FileLock lock) {
    }

    public RunRegistry() {
        this(null);
    }

    /** @param lockFolder the shared folder of the replicas' run locks; null for a single replica */
    public RunRegistry(Path lockFolder) {
        this.lockFolder = lockFolder;
    }

    private static final class Entry {
        final String id;
        final String database;
        final String trigger;
        final Instant claimedAt = Instant.now();
        volatile BackupRun run;
        volatile String state = "queued";
        volatile String error;
        volatile BackupResult result;
        volatile Instant finishedAt;

        Entry(String id, String database, String trigger) {
            this.id = id;
            this.database = database;
            this.trigger = trigger;
        }
    }

    /** Route step: claims the run slot of the request's database and puts the run's id in header {@value #RUN_ID}. */
    public void claim(@Header(BackupHeaders.DATABASE) String database, @Header("BackupTrigger") String trigger,
                      Exchange exchange) {
        exchange.getMessage().setHeader(RUN_ID, claim(database, trigger));
    }

    /** Reserves the database's run slot, here and (clustered) on every replica; 409 with the running run's id when taken. */
    public synchronized String claim(String database, String trigger) {
        String key = key(database);
        Slot taken = running.get(key);
        if (taken != null) {
            throw alreadyRunning(database, taken.runId());
        }
        String id = UUID.randomUUID().toString();
        running.put(key, lockAcrossReplicas(database, id));
        runs.put(id, new Entry(id, key, trigger));
        forgetOldest();
        return id;
    }

    /** The id a run should use: the claimed one, or a fresh one for runs nobody claimed (the CLI). */
    public synchronized String attach(String claimedId, BackupRun run) {
        Entry e = claimedId == null ? null : runs.get(claimedId);
        if (e == null) {
            e = new Entry(claimedId == null ? UUID.randomUUID().toString() : claimedId,
                    key(run.settings().database().orElse(null)), "direct");
            runs.put(e.id, e);
            forgetOldest();
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
            free(e.database, id);
        }
    }

    /**
     * A run that found its source unchanged and wrote nothing (backup.skip.unchanged): state {@code unchanged}, its
     * result naming the backup it is unchanged since. A run nobody claimed (the command line, a route template)
     * gets an entry now, under the result's run id.
     */
    public synchronized void unchanged(String database, BackupResult result) {
        Entry e = runs.get(result.runId());
        if (e == null) {
            e = new Entry(result.runId(), key(database), "direct");
            runs.put(e.id, e);
            forgetOldest();
        }
        e.state = "unchanged";
        e.result = result;
        e.finishedAt = Instant.now();
        free(e.database, e.id);
    }

    /** Frees the slot after a run, however it ended; a run that never got going is marked failed. */
    public synchronized void release(@Header(RUN_ID) String id) {
        Entry e = id == null ? null : runs.get(id);
        if (e != null && e.finishedAt == null) {
            finished(id, null, "the run ended before it started");
        }
    }

    /**
     * Keeps the last {@value #KEEP} runs, finished ones first to go: a queued or running run's entry
     * is what frees its slot (and its lock) when it ends, so it is never dropped.
     */
    private void forgetOldest() {
        Iterator<Entry> oldest = runs.values().iterator();
        while (runs.size() > KEEP && oldest.hasNext()) {
            if (oldest.next().finishedAt != null) {
                oldest.remove();
            }
        }
    }

    /** The ids of the runs going now, of every database. */
    public synchronized List<String> running() {
        return running.values().stream().map(Slot::runId).toList();
    }

    /**
     * The id of a run of this database that was cut off on some replica (it died mid-run), if the
     * cluster folder records one and no replica runs the database now.
     */
    public synchronized Optional<String> interruptedRun(@Header(BackupHeaders.DATABASE) String database) {
        if (lockFolder == null || running.containsKey(key(database))) {
            return Optional.empty();
        }
        Path file = lockFile(database);
        if (!Files.exists(file)) {
            return Optional.empty();
        }
        try (FileChannel channel = FileChannel.open(file, StandardOpenOption.READ, StandardOpenOption.WRITE)) {
            FileLock lock = tryLock(channel);
            if (lock == null) {
                return Optional.empty(); // running on another replica
            }
            String id = read(channel);
            lock.release();
            return id.isEmpty() ? Optional.empty() : Optional.of(id);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read the run lock " + file, e);
        }
    }

    private Slot lockAcrossReplicas(String database, String id) {
        if (lockFolder == null) {
            return new Slot(id, null, null);
        }
        Path file = lockFile(database);
        FileChannel channel = null;
        try {
            Files.createDirectories(file.getParent());
            channel = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.READ, StandardOpenOption.WRITE);
            FileLock lock = tryLock(channel);
            if (lock == null) {
                String other = read(channel);
                channel.close();
                throw alreadyRunning(database, other.isEmpty() ? "on another replica" : other);
            }
            String previous = read(channel);
            if (!previous.isEmpty() && !previous.equals(id)) {
                // Normally the leader's catch-up redoes it first; a run that won the race still covers it.
                LOG.warn("Run {} of {} was cut off when its replica stopped; run {} backs the database up now",
                        previous, database == null ? "the database" : database, id);
            }
            channel.truncate(0);
            channel.write(ByteBuffer.wrap(id.getBytes(StandardCharsets.UTF_8)), 0);
            channel.force(true);
            return new Slot(id, channel, lock);
        } catch (IOException e) {
            try {
                if (channel != null) {
                    channel.close();
                }
            } catch (IOException ignored) {
                // reported below
            }
            throw new UncheckedIOException("cannot take the run lock " + file + ": " + e.getMessage(), e);
        }
    }

    /** Ends a run's claim: its lock file is emptied (the run is not cut off) and unlocked. */
    private void free(String key, String id) {
        Slot slot = running.get(key);
        if (slot == null || !slot.runId().equals(id)) {
            return;
        }
        running.remove(key);
        if (slot.channel() != null) {
            try (FileChannel channel = slot.channel()) {
                channel.truncate(0);
                channel.force(true);
                slot.lock().release();
            } catch (IOException e) {
                LOG.warn("Could not release the run lock of {}: {}", key, e.getMessage());
            }
        }
    }

    private static FileLock tryLock(FileChannel channel) throws IOException {
        try {
            return channel.tryLock();
        } catch (OverlappingFileLockException e) {
            return null; // held by another context in this JVM
        }
    }

    private static String read(FileChannel channel) throws IOException {
        ByteBuffer buffer = ByteBuffer.allocate(128);
        channel.read(buffer, 0);
        return new String(buffer.array(), 0, buffer.position(), StandardCharsets.UTF_8).trim();
    }

    private Path lockFile(String database) {
        return lockFolder.resolve("runs").resolve((database == null || database.isBlank() ? "default" : database) + ".lock");
    }

    private static String key(String database) {
        return database == null ? "" : database;
    }

    private static ApiException alreadyRunning(String database, String runId) {
        return new ApiException(409, "a backup" + (database == null || database.isBlank() ? "" : " of " + database)
                + " is already running", Map.of("running", runId), 0);
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
            if (!e.result.unchanged() && run != null) {
                out.put("backup", run.objectName());
            }
            // Read by the run's id alone: folders by their own name, never the host's paths.
            out.put("locations", e.result.locations().stream().map(TargetSpec::shown).toList());
            out.put("storedBytes", e.result.storedBytes());
            if (e.result.unchanged()) {
                out.put("database", e.result.database());
                out.put("unchangedSince", e.result.unchangedSince());
            }
        }
        List<String> errors = new ArrayList<>();
        if (e.error != null) {
            errors.add(Failures.withoutPaths(e.error));
        }
        out.put("errors", errors);
        return out;
    }
}
