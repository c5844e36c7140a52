package io.github.cameld1backup.source;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The request budget: one for every replica sharing a cluster folder, and a pause that holds them all. */
class D1RequestBudgetTest {

    @TempDir
    Path cluster;

    @Test
    void twoBudgetsSharingAClusterFolderNeverPassTheLimitInAWindow() throws Exception {
        int limit = 10;
        Duration window = Duration.ofMillis(1500);
        D1RequestBudget a = new D1RequestBudget(Clock.systemUTC(), limit, window, cluster);
        D1RequestBudget b = new D1RequestBudget(Clock.systemUTC(), limit, window, cluster);
        List<Long> sent = Collections.synchronizedList(new ArrayList<>());
        ExecutorService threads = Executors.newFixedThreadPool(4);
        long end = System.currentTimeMillis() + 4000;
        List<Future<?>> running = new ArrayList<>();
        for (D1RequestBudget budget : List.of(a, b, a, b)) {
            running.add(threads.submit(() -> {
                while (System.currentTimeMillis() < end) {
                    budget.acquire();
                    sent.add(System.currentTimeMillis());
                }
                return null;
            }));
        }
        for (Future<?> f : running) {
            f.get(30, TimeUnit.SECONDS);
        }
        threads.shutdown();
        List<Long> times = new ArrayList<>(sent);
        Collections.sort(times);
        // every window holds at most `limit` sends of both together (a little slack for the gap between acquire and add)
        for (int i = 0; i + limit < times.size(); i++) {
            assertThat(times.get(i + limit) - times.get(i)).as("sends %d to %d", i, i + limit)
                    .isGreaterThanOrEqualTo(window.toMillis() - 50);
        }
        assertThat(times.size()).isBetween(2 * limit, 4 * limit); // the budget was used, shared, not doubled
    }

    @Test
    void aPauseSeenByOneReplicaHoldsTheOther() throws Exception {
        D1RequestBudget a = new D1RequestBudget(Clock.systemUTC(), 100, Duration.ofMinutes(5), cluster);
        D1RequestBudget b = new D1RequestBudget(Clock.systemUTC(), 100, Duration.ofMinutes(5), cluster);
        a.pause(Duration.ofMillis(800));
        long start = System.nanoTime();
        b.acquire();
        assertThat(Duration.ofNanos(System.nanoTime() - start)).isGreaterThanOrEqualTo(Duration.ofMillis(700));
    }

    @Test
    void withoutAClusterFolderTheBudgetIsThisProcesssAlone() throws Exception {
        D1RequestBudget alone = new D1RequestBudget(Clock.systemUTC(), 3, Duration.ofMillis(700));
        long start = System.nanoTime();
        for (int i = 0; i < 4; i++) {
            alone.acquire();
        }
        assertThat(Duration.ofNanos(System.nanoTime() - start)).isGreaterThanOrEqualTo(Duration.ofMillis(600));
        assertThat(alone.sharedFile()).isNull();
    }
}
