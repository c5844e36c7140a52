package io.github.cameld1backup.source;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.ToLongFunction;

/**
 * One budget for the requests this deployment makes to the Cloudflare API: at most {@code limit}
 * requests in any {@code window}, and nothing at all while the API has asked us to wait (a 429).
 * Callers block until they may send.
 *
 * <p>Cloudflare's limit (1,200 requests per 5 minutes) is per <em>user</em>, counted across every API
 * token, the dashboard and wrangler together, and passing it blocks every API call of that user for
 * 5 minutes; so the budget is a share of it (600 by default), leaving room for the people using the account.
 *
 * <p>With a cluster folder ({@code backup.cluster}), the budget is one for every replica: the times of
 * the requests sent in the window and the end of any pause live in a file there ({@link #FILE}), read
 * and written under a file lock, so replicas together never pass the limit and a 429 seen by one pauses all.
 */
public final class D1RequestBudget {

    public static final String FILE = "d1-request-budget";
    /** File locks are per process: threads (and budgets) of this process sharing a file take turns here first. */
    private static final Map<Path, Object> PROCESS_LOCKS = new ConcurrentHashMap<>();

    private final Clock clock;
    private final int limit;
    private final Duration window;
    private final Path shared;
    private final Deque<Long> sent = new ArrayDeque<>();
    private long pausedUntil;

    public D1RequestBudget(Clock clock, int limit, Duration window) {
        this(clock, limit, window, null);
    }

    /** A budget shared through {@code clusterFolder} (null: this process alone). */
    public D1RequestBudget(Clock clock, int limit, Duration window, Path clusterFolder) {
        if (limit < 1 || window.isNegative() || window.isZero()) {
            throw new IllegalArgumentException("a request budget needs a limit of at least 1 and a positive window");
        }
        this.clock = clock;
        this.limit = limit;
        this.window = window;
        this.shared = clusterFolder == null ? null : clusterFolder.toAbsolutePath().normalize().resolve(FILE);
    }

    public Duration window() {
        return window;
    }

    public int limit() {
        return limit;
    }

    /** The file the budget is shared through, or null. */
    public Path sharedFile() {
        return shared;
    }

    /** Blocks until a request may be sent, and counts it. */
    public void acquire() throws InterruptedException {
        while (true) {
            long wait = shared == null ? tryLocal() : tryShared();
            if (wait <= 0) {
                return;
            }
            Thread.sleep(Math.max(1, Math.min(wait, 1000)));
        }
    }

    /** The API said 429: nobody (on any replica sharing the budget) sends for this long. */
    public void pause(Duration duration) {
        long until = clock.millis() + duration.toMillis();
        if (shared == null) {
            synchronized (this) {
                pausedUntil = Math.max(pausedUntil, until);
            }
            return;
        }
        withSharedState(state -> {
            state.pausedUntil = Math.max(state.pausedUntil, until);
            return 0L;
        });
    }

    private synchronized long tryLocal() {
        long now = clock.millis();
        while (!sent.isEmpty() && sent.peekFirst() <= now - window.toMillis()) {
            sent.removeFirst();
        }
        long wait = Math.max(pausedUntil - now, sent.size() >= limit ? sent.peekFirst() + window.toMillis() - now : 0);
        if (wait <= 0) {
            sent.addLast(now);
        }
        return wait;
    }

    private long tryShared() {
        return withSharedState(state -> {
            long now = clock.millis();
            while (!state.sent.isEmpty() && state.sent.peekFirst() <= now - window.toMillis()) {
                state.sent.removeFirst();
            }
            long wait = Math.max(state.pausedUntil - now,
                    state.sent.size() >= limit ? state.sent.peekFirst() + window.toMillis() - now : 0);
            if (wait <= 0) {
                state.sent.addLast(now);
            }
            return wait;
        });
    }

    /** The shared file: the end of any pause, then the send times in the window, as longs. */
    private static final class State {
        long pausedUntil;
        final Deque<Long> sent = new ArrayDeque<>();
    }

    private long withSharedState(ToLongFunction<State> change) {
        synchronized (PROCESS_LOCKS.computeIfAbsent(shared, p -> new Object())) {
            try {
                Files.createDirectories(shared.getParent());
                try (FileChannel channel = FileChannel.open(shared, StandardOpenOption.CREATE, StandardOpenOption.READ,
                        StandardOpenOption.WRITE);
                     FileLock ignored = channel.lock()) {
                    ByteBuffer in = ByteBuffer.allocate((int) Math.min(channel.size(), 8L * (limit + 1) + 8 * 1024L));
                    while (in.hasRemaining() && channel.read(in) >= 0) {
                        // read it all
                    }
                    in.flip();
                    State state = new State();
                    if (in.remaining() >= 8) {
                        state.pausedUntil = in.getLong();
                    }
                    while (in.remaining() >= 8) {
                        state.sent.addLast(in.getLong());
                    }
                    long result = change.applyAsLong(state);
                    while (state.sent.size() > limit) { // a replica with a smaller limit wrote more: keep the newest
                        state.sent.removeFirst();
                    }
                    ByteBuffer out = ByteBuffer.allocate(8 * (state.sent.size() + 1));
                    out.putLong(state.pausedUntil);
                    state.sent.forEach(out::putLong);
                    out.flip();
                    channel.truncate(0);
                    channel.position(0);
                    while (out.hasRemaining()) {
                        channel.write(out);
                    }
                    channel.force(false);
                    return result;
                }
            } catch (IOException e) {
                throw new UncheckedIOException("the D1 request budget shared in " + shared + " cannot be used", e);
            }
        }
    }
}
