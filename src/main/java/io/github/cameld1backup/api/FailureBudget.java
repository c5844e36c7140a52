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
 *
 * <p>A check spends its failure before it runs ({@link #reserve}) and gets it back when it passes
 * ({@link #release}): however many requests arrive at once, no more checks run than the budget
 * has failures left.
 */
final class FailureBudget {

    /** A failure counted ahead of a check; {@code retryAfterSeconds} is 0 when it was granted. */
    record Reservation(String client, long at, long retryAfterSeconds) {
        boolean granted() {
            return retryAfterSeconds == 0;
        }
    }

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
        return retryAfter(client, clock.millis());
    }

    /** Counts a failure for this client now, unless either budget is spent (then: how long to wait). */
    synchronized Reservation reserve(String client) {
        long now = clock.millis();
        long wait = retryAfter(client, now);
        if (wait == 0) {
            fail(client, now);
        }
        return new Reservation(client, now, wait);
    }

    /** Takes back a granted reservation: its check passed. */
    synchronized void release(Reservation reservation) {
        if (!reservation.granted()) {
            return;
        }
        all.removeLastOccurrence(reservation.at());
        Deque<Long> mine = byClient.get(reservation.client());
        if (mine != null) {
            mine.removeLastOccurrence(reservation.at());
        }
    }

    private long retryAfter(String client, long now) {
        prune(all, now - overallWindow.toMillis());
        Deque<Long> mine = byClient.get(client);
        boolean spent = false;
        long wait = 0;
        if (mine != null) {
            prune(mine, now - clientWindow.toMillis());
            if (mine.isEmpty()) {
                byClient.remove(client);
            } else if (mine.size() >= perClient) {
                spent = true;
                wait = mine.peekFirst() + clientWindow.toMillis() - now;
            }
        }
        if (all.size() >= overall) {
            spent = true;
            wait = Math.max(wait, all.peekFirst() + overallWindow.toMillis() - now);
        }
        return spent ? Math.max(1, (wait + 999) / 1000) : 0;
    }

    private void fail(String client, long now) {
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
