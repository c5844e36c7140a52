package io.github.cameld1backup;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.github.cameld1backup.model.Manifest;
import io.github.cameld1backup.testing.Fixtures;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.awaitility.core.ConditionTimeoutException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Three replicas of the run command, as processes sharing a cluster folder: the schedule fires on one
 * of them; when the leader is killed mid-run another takes over, runs the cut-off backup again, and
 * no run is doubled, lost or overlapped.
 */
class LeaderElectionTest {

    private static final Pattern STARTED = Pattern.compile("Backup ([0-9a-f-]{36}) of SQLite file .* started");

    @TempDir
    Path tmp;

    private final List<Process> replicas = new ArrayList<>();

    @AfterEach
    void stopAll() {
        replicas.forEach(Process::destroyForcibly);
    }

    private Process replica(int n, Path db) throws IOException {
        ProcessBuilder pb = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx256m", "-cp", System.getProperty("java.class.path"), BackupCli.class.getName(), "run")
                .directory(Files.createDirectories(tmp.resolve("replica-" + n)).toFile())
                .redirectErrorStream(true).redirectOutput(log(n).toFile());
        var env = pb.environment();
        env.put("BACKUP_SOURCE", "sqlite:" + db);
        env.put("BACKUP_TARGET", "file:" + tmp.resolve("backups"));
        env.put("BACKUP_COMPRESSION", "none");
        env.put("BACKUP_WORK_DIR", tmp.resolve("work-" + n).toString());
        env.put("BACKUP_CLUSTER", "file:" + tmp.resolve("cluster"));
        env.put("BACKUP_CLUSTER_INTERVAL", "PT1S");
        env.put("BACKUP_CRON", "0/4 * * * * ?");
        env.put("BACKUP_SKIP_UNCHANGED", "false"); // every firing backs up the (unchanged) database: runs to cut off
        env.put("BACKUP_PAGE_MAX_ROWS", "500"); // many pages: a run lasts long enough to be cut off
        env.put("BACKUP_API_ENABLED", "false");
        return pb.start();
    }

    private Path log(int n) {
        return tmp.resolve("replica-" + n + ".log");
    }

    private String read(int n) throws IOException {
        return Files.exists(log(n)) ? Files.readString(log(n), StandardCharsets.UTF_8) : "";
    }

    private String logs() throws IOException {
        StringBuilder all = new StringBuilder();
        for (int n = 0; n < replicas.size(); n++) {
            all.append("--- replica ").append(n).append('\n').append(read(n));
        }
        return all.toString();
    }

    /**
     * Polls the replicas' logs until {@code found} answers something; past the deadline the test fails
     * with every replica's log.
     */
    private <T> T awaitReplicas(String what, long deadline, long pollMillis, Callable<T> found) throws IOException {
        try {
            return await(what).atMost(Duration.ofNanos(Math.max(1, deadline - System.nanoTime())))
                    .pollInterval(Duration.ofMillis(pollMillis)).until(found, java.util.Objects::nonNull);
        } catch (ConditionTimeoutException e) {
            throw new AssertionError(e.getMessage() + "\n" + logs(), e);
        }
    }

    @Test
    void onlyTheLeaderBacksUpAndAKilledLeadersRunIsTakenOverNotLostOrDoubled() throws Exception {
        Path db = Fixtures.manyRows(tmp, "big", 150_000);
        for (int n = 0; n < 3; n++) {
            replicas.add(replica(n, db));
        }
        Path lock = tmp.resolve("cluster").resolve("runs").resolve("default.lock");
        long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(3);

        // Wait for a run in progress; its id in the lock file names the leader's run.
        Object[] running = awaitReplicas("a run in progress", deadline, 50, () -> {
            String id = Files.exists(lock) ? Files.readString(lock).trim() : "";
            for (int n = 0; n < replicas.size() && !id.isEmpty(); n++) {
                if (read(n).contains("Backup " + id + " of")) {
                    return new Object[] {id, n};
                }
            }
            return null;
        });
        String cutOff = (String) running[0];
        int leader = (Integer) running[1];
        replicas.get(leader).destroyForcibly().waitFor(30, TimeUnit.SECONDS); // SIGKILL, mid-run

        // Another replica takes over, runs the cut-off backup again, then keeps the schedule. The run that
        // covers it is its catch-up, or its schedule's first run when that fires first and takes the lock.
        int successor = awaitReplicas("another replica takes the cut-off run over", deadline, 100, () -> {
            for (int n = 0; n < replicas.size(); n++) {
                String log = read(n);
                if (n != leader && (log.contains("Run " + cutOff + " of * was cut off")
                        || log.contains("Run " + cutOff + " of the database was cut off"))) {
                    return n;
                }
            }
            return null;
        });
        awaitReplicas("the successor runs three backups", deadline, 100,
                () -> started(read(successor)).size() >= 3 ? Boolean.TRUE : null);
        // SIGTERM: a running backup finishes first.
        for (int n = 0; n < replicas.size(); n++) {
            if (n != leader) {
                replicas.get(n).destroy();
            }
        }
        for (Process p : replicas) {
            assertThat(p.waitFor(2, TimeUnit.MINUTES)).isTrue();
        }

        String all = logs();
        // Only the leader fired: before the kill the first leader, after it the successor.
        for (int n = 0; n < replicas.size(); n++) {
            if (n != leader && n != successor) {
                assertThat(started(read(n))).as("a follower never runs a backup\n" + all).isEmpty();
            }
        }
        List<Manifest> manifests = manifests();
        Set<String> stored = new HashSet<>();
        manifests.forEach(m -> assertThat(stored.add(m.runId())).as("run stored twice " + m.runId()).isTrue());
        Set<String> expected = new HashSet<>(started(read(leader)));
        expected.addAll(started(read(successor)));
        assertThat(expected).contains(cutOff);
        assertThat(read(successor)).containsAnyOf("Catch-up backup", "backs the database up now");
        expected.remove(cutOff);
        // Every run that started and was not cut off was stored once; the cut-off one was done again.
        assertThat(stored).as(all).isEqualTo(expected);
        assertThat(stored).doesNotContain(cutOff);
        // Runs never overlapped, across replicas.
        manifests.sort(Comparator.comparing(Manifest::startedAt));
        for (int i = 1; i < manifests.size(); i++) {
            assertThat(Instant.parse(manifests.get(i).startedAt()))
                    .as("run %s started before %s finished", manifests.get(i).runId(), manifests.get(i - 1).runId())
                    .isAfterOrEqualTo(Instant.parse(manifests.get(i - 1).finishedAt()));
        }
    }

    private static List<String> started(String log) {
        List<String> ids = new ArrayList<>();
        Matcher m = STARTED.matcher(log);
        while (m.find()) {
            ids.add(m.group(1));
        }
        return ids;
    }

    private List<Manifest> manifests() throws IOException {
        ObjectMapper json = new ObjectMapper();
        List<Manifest> out = new ArrayList<>();
        try (Stream<Path> files = Files.list(tmp.resolve("backups"))) {
            for (Path p : files.filter(p -> p.getFileName().toString().endsWith(Manifest.SUFFIX)).toList()) {
                out.add(json.readValue(p.toFile(), Manifest.class));
            }
        }
        return out;
    }
}
