package io.github.cameld1backup.api;

import java.time.Clock;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.HashMap;
import java.util.Map;

/**
 * Failed authentication attempts allowed in a sliding window, per client and overall. Past
 * either budget, callers are turned away (429) until the oldest failure leaves the window, so
 * guessing codes is capped at a known rate whatever the number of clients.
 */
final class FailureBudget {

    private final Clock clock;
    private final int perClient;
    private final Duration clientWindow;
    private final int overall;
    private final Duration overallWindow;
    private final Map<String, Deque<Long>> byClient = new HashMap<>();
    private final Deque<Long> all = new ArrayDeque<>();

    FailureBudget(Clock clock, int perClient, Duration clientWindow, int overall, Duration overallWindow) {
        this.clock = clock;
        this.perClient = perClient;
        this.clientWindow = clientWindow;
        this.overall = overall;
        this.overallWindow = overallWindow;
    }

    /** Seconds this client must wait before trying again; 0 when it may try now. */
    synchronized long retryAfter(String client) {
        long now = clock.millis();
        prune(all, now - overallWindow.toMillis());
        Deque<Long> mine = byClient.get(client);
        long wait = 0;
        if (mine != null) {
            prune(mine, now - clientWindow.toMillis());
            if (mine.isEmpty()) {
                byClient.remove(client);
            } else if (mine.size() >= perClient) {
                wait = mine.peekFirst() + clientWindow.toMillis() - now;
            }
        }
        if (all.size() >= overall) {
            wait = Math.max(wait, all.peekFirst() + overallWindow.toMillis() - now);
        }
        return wait <= 0 ? 0 : (wait + 999) / 1000;
    }

    synchronized void fail(String client) {
        long now = clock.millis();
        all.addLast(now);
        byClient.computeIfAbsent(client, c -> new ArrayDeque<>()).addLast(now);
        if (byClient.size() > 10_000) { // bound memory under a flood of addresses
            byClient.values().removeIf(d -> d.isEmpty() || d.peekLast() < now - clientWindow.toMillis());
        }
    }

    private static void prune(Deque<Long> times, long before) {
        while (!times.isEmpty() && times.peekFirst() < before) {
            times.removeFirst();
        }
    }
}
