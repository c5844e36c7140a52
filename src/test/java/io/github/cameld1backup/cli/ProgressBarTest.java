package io.github.cameld1backup.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.cameld1backup.observe.Progress;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/** What the backup command's progress bar draws for given counters. */
class ProgressBarTest {

    private static Progress progress(int table, int tables, boolean done, long rows, long bytes, long millis,
                                     long remaining) {
        return new Progress("run", "shop", "orders", table, tables, done, rows, bytes, Duration.ofMillis(millis), remaining);
    }

    @Test
    void withAnEstimateTheBarShowsTheShareOfRowsAndAnEta() {
        // 5000 of 20000 rows in 2 s: a quarter, 2500 rows/s, 15000 rows left take 6 s.
        assertThat(ProgressBar.render(progress(3, 12, false, 5000, 3_000_000, 2000, 15_000), 24))
                .isEqualTo("[######------------------]  25%  table 3/12  5000 rows  2500 rows/s  1.5 MB/s  ETA 6s");
        assertThat(ProgressBar.render(progress(12, 12, true, 20_000, 12_000_000, 8000, 0), 10))
                .isEqualTo("[##########] 100%  table 12/12  20000 rows  2500 rows/s  1.5 MB/s  ETA 0s");
    }

    @Test
    void withoutAnEstimateTheBarCountsTablesAndSaysTheEtaIsUnknown() {
        // Table 3 of 4 under way: two tables done, half the bar; no percentage claimed.
        assertThat(ProgressBar.render(progress(3, 4, false, 900, 500_000, 1000, -1), 8))
                .isEqualTo("[####----]  table 3/4  900 rows  900 rows/s  0.5 MB/s  ETA unknown");
        assertThat(ProgressBar.render(progress(1, 1, false, 0, 0, 0, -1), 4))
                .isEqualTo("[----]  table 1/1  0 rows  0 rows/s  0.0 MB/s  ETA unknown");
        assertThat(Progress.human(Duration.ofSeconds(4000))).isEqualTo("1h06m");
        assertThat(Progress.human(Duration.ofSeconds(80))).isEqualTo("1m20s");
    }

    @Test
    void redrawsInPlaceAtMostFiveTimesASecondAndEndsTheLine() {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        AtomicLong now = new AtomicLong(1_000);
        ProgressBar bar = new ProgressBar(new PrintStream(out, true, StandardCharsets.UTF_8), now::get);

        bar.accept(progress(1, 2, false, 100, 1000, 1000, -1));
        now.addAndGet(50);
        bar.accept(progress(1, 2, false, 200, 2000, 1050, -1)); // too soon: not drawn
        now.addAndGet(200);
        bar.accept(progress(1, 2, false, 300, 3000, 1250, -1));
        now.addAndGet(10);
        bar.accept(progress(2, 2, true, 400, 4000, 1260, 0)); // the last table's end is always drawn, and ends the line
        bar.finish(); // nothing more to end

        String drawn = out.toString(StandardCharsets.UTF_8);
        assertThat(drawn.split("\r", -1)).hasSize(4); // three draws, each from the start of the line
        assertThat(drawn).contains("100 rows").doesNotContain("200 rows").contains("300 rows").contains("400 rows")
                .endsWith(System.lineSeparator());
        assertThat(drawn).doesNotContain("\n[").containsOnlyOnce(System.lineSeparator());
    }
}
