package io.github.cameld1backup.testing;

import static org.awaitility.Awaitility.await;

import io.github.cameld1backup.BackupCli;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.awaitility.core.ConditionTimeoutException;

/**
 * The run command in a JVM of its own with the launcher's memory settings (src/main/launcher/jvm.options,
 * {@code MALLOC_ARENA_MAX=2} and {@code MALLOC_TRIM_THRESHOLD_}), as an operator runs it: its peak resident memory read from
 * /proc, stopped with SIGTERM. The API on a free port of 127.0.0.1 (every loopback address reaches it).
 */
public final class ChildService implements AutoCloseable {

    /** The launcher's JVM flags, one a line: shared with bin/camel-d1-backup. */
    public static final Path JVM_OPTIONS = Path.of("src/main/launcher/jvm.options");

    private final Process process;
    private final int port;
    private final Path log;

    /**
     * @param classpath the service's classes and dependencies (this JVM's own, or another build's)
     * @param env settings as environment variables (TOTP_SECRET, BACKUP_API_KEY, ...)
     * @param args after {@code run}: --source, --target
     */
    public ChildService(String classpath, Map<String, String> env, List<String> args, Path log) throws IOException {
        port = freePort();
        this.log = log;
        List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        command.addAll(jvmOptions());
        command.addAll(List.of("-cp", classpath, BackupCli.class.getName(), "run"));
        command.addAll(args);
        ProcessBuilder pb = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile());
        pb.environment().put("MALLOC_ARENA_MAX", "2");
        pb.environment().put("MALLOC_TRIM_THRESHOLD_", "33554432");
        pb.environment().put("CAMEL_SERVER_PORT", String.valueOf(port));
        pb.environment().put("CAMEL_SERVER_HOST", "127.0.0.1");
        pb.environment().putAll(env);
        process = pb.start();
        awaitHealth(process, port, log, Duration.ofMinutes(1));
    }

    /** A port free on 127.0.0.1, for a child process to listen on. */
    public static int freePort() throws IOException {
        try (ServerSocket probe = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return probe.getLocalPort();
        }
    }

    /**
     * Waits (up to {@code limit}) until the service a process started answers 200 on 127.0.0.1:port/health; if it
     * exits or never answers, kills it and fails with its log.
     */
    public static void awaitHealth(Process process, int port, Path log, Duration limit) throws IOException {
        HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
        HttpRequest health = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/health")).build();
        try {
            await("the service answers /health").atMost(limit).pollInterval(Duration.ofMillis(100))
                    .ignoreExceptionsInstanceOf(IOException.class) // not listening yet
                    .failFast("the service exited", () -> !process.isAlive())
                    .until(() -> http.send(health, HttpResponse.BodyHandlers.ofString()).statusCode() == 200);
        } catch (ConditionTimeoutException | org.awaitility.core.TerminalFailureException e) {
            process.destroyForcibly();
            throw new IllegalStateException(e.getMessage() + "\n" + Files.readString(log), e);
        }
    }

    /** The flags of src/main/launcher/jvm.options (found from the working directory or above it). */
    public static List<String> jvmOptions() throws IOException {
        Path file = JVM_OPTIONS.toAbsolutePath();
        for (Path dir = Path.of("").toAbsolutePath(); !Files.exists(file) && dir != null; dir = dir.getParent()) {
            file = dir.resolve(JVM_OPTIONS);
        }
        return Files.readAllLines(file).stream().map(String::trim).filter(l -> !l.isEmpty() && !l.startsWith("#")).toList();
    }

    public int port() {
        return port;
    }

    public String baseUrl() {
        return "http://127.0.0.1:" + port;
    }

    public long pid() {
        return process.pid();
    }

    /** Peak resident memory so far (VmHWM of /proc/PID/status), in MiB. */
    public double peakRssMiB() throws IOException {
        for (String line : Files.readAllLines(Path.of("/proc", String.valueOf(process.pid()), "status"))) {
            if (line.startsWith("VmHWM:")) {
                return Long.parseLong(line.replaceAll("\\D", "")) / 1024.0;
            }
        }
        throw new IOException("no VmHWM in /proc/" + process.pid() + "/status");
    }

    public String log() throws IOException {
        return Files.readString(log);
    }

    public boolean isAlive() {
        return process.isAlive();
    }

    /** Sends SIGTERM; seconds until the process ended (or -1 if it had not within {@code limit}). */
    public double sigterm(Duration limit) throws InterruptedException {
        long start = System.nanoTime();
        process.destroy();
        boolean ended = process.waitFor(limit.toMillis(), TimeUnit.MILLISECONDS);
        return ended ? (System.nanoTime() - start) / 1e9 : -1;
    }

    public int exitValue() {
        return process.exitValue();
    }

    @Override
    public void close() {
        process.destroyForcibly();
    }
}
