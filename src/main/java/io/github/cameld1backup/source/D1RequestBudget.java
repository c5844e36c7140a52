package io.github.cameld1backup.source;

import java.time.Clock;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Deque;

/**
 * One budget for every request this process makes to the Cloudflare API: at most {@code limit}
 * requests in any {@code window} (D1: 1200 per 5 minutes per token), and nothing at all while the
 * API has asked us to wait (429 with Retry-After). Callers block until they may send.
 */
public final class D1RequestBudget {

    private final Clock clock;
    private final int limit;
    private final Duration window;
    private final Deque<Long> sent = new ArrayDeque<>();
    private long pausedUntil;

    public D1RequestBudget(Clock clock, int limit, Duration window) {
        this.clock = clock;
        this.limit = limit;
        this.window = window;
    }

    public void acquire() throws InterruptedException {
        while (true) {
            long wait;
            synchronized (this) {
                long now = clock.millis();
                while (!sent.isEmpty() && sent.peekFirst() <= now - window.toMillis()) {
                    sent.removeFirst();
                }
                wait = Math.max(pausedUntil - now, sent.size() >= limit ? sent.peekFirst() + window.toMillis() - now : 0);
                if (wait <= 0) {
                    sent.addLast(now);
                    return;
                }
            }
            Thread.sleep(Math.min(wait, 1000));
        }
    }

    /** The API said 429: nobody sends for this long. */
    public synchronized void pause(Duration duration) {
        pausedUntil = Math.max(pausedUntil, clock.millis() + duration.toMillis());
    }
}
