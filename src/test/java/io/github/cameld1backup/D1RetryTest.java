package io.github.cameld1backup;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.github.cameld1backup.model.BackupResult;
import io.github.cameld1backup.testing.Backups;
import io.github.cameld1backup.testing.WorkerdD1;
import io.github.cameld1backup.testing.WorkerdD1.Fault;
import io.github.cameld1backup.testing.DatabaseSnapshot;
import io.github.cameld1backup.testing.Fixtures;
import io.github.cameld1backup.testing.ResettingProxy;
import io.github.cameld1backup.testing.Sqlite3Cli;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** D1 answering badly for a while: the backup waits, retries, and is still exact; or fails at once when it should. */
class D1RetryTest {

    @TempDir
    Path tmp;

    private Map<String, String> settings(WorkerdD1 d1, Path db) throws Exception {
        Map<String, String> s = Backups.d1(d1, d1.addDatabase("shop", db));
        s.put("d1.retry.delay", "PT0.05S");
        s.put("d1.request.window", "PT1S"); // a 429 without Retry-After waits out the window: short in tests
        s.put("backup.work.dir", tmp.resolve("work").toString());
        return s;
    }

    private void assertRestores(BackupResult result, Path source) throws Exception {
        Path restored = tmp.resolve("restored-" + System.nanoTime() + ".db");
        Sqlite3Cli.load(restored, Path.of(result.location()));
        assertThat(DatabaseSnapshot.of(restored)).isEqualTo(DatabaseSnapshot.of(source));
    }

    @Test
    void aStormOf429sIsWaitedOutAsRetryAfterSays() throws Exception {
        Path source = Fixtures.create("schema_zoo", tmp);
        try (WorkerdD1 d1 = new WorkerdD1()) {
            Map<String, String> s = settings(d1, source);
            d1.failRequests(n -> n >= 3 && n <= 6, 429, "Too many requests");
            long start = System.nanoTime();
            BackupResult result = Backups.run(s, tmp.resolve("backups"));
            long seconds = (System.nanoTime() - start) / 1_000_000_000L;
            assertThat(seconds).as("four 429s with Retry-After: 1").isGreaterThanOrEqualTo(4);
            assertThat(d1.requests()).isEqualTo(3 + 18 + 2 + 4); // + the two Time Travel bookmarks
            assertRestores(result, source);
        }
    }

    @Test
    void serverErrorsPassingErrorsAndCutOffAnswersAreRetried() throws Exception {
        Path source = Fixtures.create("edge_values", tmp);
        try (WorkerdD1 d1 = new WorkerdD1()) {
            Map<String, String> s = settings(d1, source);
            d1.failRequests(n -> n == 2 || n == 3, 500, "D1 DB is overloaded. Requests queued for too long.");
            BackupResult first = Backups.run(s, tmp.resolve("a"));
            assertRestores(first, source);

            d1.resetCounters();
            d1.failRequests(n -> n == 3, 200, "");
            BackupResult second = Backups.run(s, tmp.resolve("b"));
            assertRestores(second, source);
            // name, bookmark, master, pragmas, two pages (10 rows, then the other 30), bookmark; and the retry
            assertThat(d1.requests()).isEqualTo(7 + 1);
        }
    }

    @Test
    void errorsThatWillNotPassFailAtOnceWithD1sMessage() throws Exception {
        Path source = Fixtures.create("edge_values", tmp);
        try (WorkerdD1 d1 = new WorkerdD1()) {
            Map<String, String> s = settings(d1, source);
            d1.failRequests(n -> n >= 3, 400, "D1_ERROR: no such table: main.gone: SQLITE_ERROR");
            assertThatThrownBy(() -> Backups.run(s, tmp.resolve("backups")))
                    .hasMessageContaining("no such table: main.gone");
            assertThat(d1.requests()).isEqualTo(3);
            assertThat(Files.exists(tmp.resolve("backups"))).isFalse();
        }
    }

    @Test
    void retriesAreBoundedInCount() throws Exception {
        Path source = Fixtures.create("edge_values", tmp);
        try (WorkerdD1 d1 = new WorkerdD1()) {
            Map<String, String> s = settings(d1, source);
            s.put("d1.retries", "3");
            d1.failRequests(n -> n >= 2, 503, "Service unavailable");
            assertThatThrownBy(() -> Backups.run(s, tmp.resolve("backups"))).hasMessageContaining("503");
            assertThat(d1.requests()).isEqualTo(1 + 1 + 3);
        }
    }

    @Test
    void resetsTruncatedJsonAndSlowAnswersAreRetriedAndTheBackupIsExact() throws Exception {
        Path source = Fixtures.create("schema_zoo", tmp);
        try (WorkerdD1 d1 = new WorkerdD1()) {
            Map<String, String> s = settings(d1, source);
            d1.faults(n -> switch ((int) n) {
                case 2 -> Fault.of(Fault.Kind.RESET);
                case 4, 5 -> Fault.of(Fault.Kind.TRUNCATED_JSON);
                case 7 -> Fault.slow(300);
                case 9 -> Fault.tooManyRequests(0);
                default -> null;
            });
            BackupResult result = Backups.run(s, tmp.resolve("backups"));
            assertRestores(result, source);
            assertThat(d1.requests()).isEqualTo(3 + 18 + 2 + 4); // + two bookmarks; the reset, two truncated answers and the 429 asked again
        }
    }

    @Test
    void anAnswerLongerThanTheResponseTimeoutIsGivenUpAndAskedAgain() throws Exception {
        Path source = Fixtures.create("edge_values", tmp);
        try (WorkerdD1 d1 = new WorkerdD1()) {
            Map<String, String> s = settings(d1, source);
            s.put("d1.response.timeout", "1000");
            d1.faults(n -> n == 3 ? Fault.slow(5_000) : null); // a D1 that does not answer in time
            BackupResult result = Backups.run(s, tmp.resolve("backups"));
            assertRestores(result, source);
            // 6 requests without the fault; D1 answers one request at a time, so retries wait behind the slow one
            assertThat(d1.requests()).as("the slow request given up and asked again").isGreaterThan(6);
        }
    }

    @Test
    void connectionsResetEveryTimeFailWithAMessageNamingD1() throws Exception {
        Path source = Fixtures.create("edge_values", tmp);
        try (WorkerdD1 d1 = new WorkerdD1();
             ResettingProxy proxy = new ResettingProxy(URI.create(d1.baseUrl()).getPort())) {
            Map<String, String> s = settings(d1, source);
            s.put("cloudflare.api.base.url", "http://127.0.0.1:" + proxy.port() + "/client/v4");
            s.put("d1.retries", "2");
            proxy.resets(n -> 40L); // every answer cut after its first 40 bytes
            assertThatThrownBy(() -> Backups.run(s, tmp.resolve("backups")))
                    .hasMessage("D1 API request failed after 3 attempts: Connection reset");
            assertThat(proxy.resets()).as("the HTTP client may retry a GET itself").isGreaterThanOrEqualTo(3);
        }
    }

    /** A 429 without Retry-After: Cloudflare blocks the user for its whole window, so every request waits it out. */
    @Test
    void a429WithoutRetryAfterPausesForTheWholeWindow() throws Exception {
        Path source = Fixtures.create("schema_zoo", tmp);
        try (WorkerdD1 d1 = new WorkerdD1()) {
            Map<String, String> s = settings(d1, source);
            s.put("d1.request.window", "PT3S"); // the window, short for the test (Cloudflare's is 5 minutes)
            d1.faults(n -> n == 3 ? new Fault(Fault.Kind.STATUS, 429, "Too many requests", 0, 0) : null);
            long start = System.nanoTime();
            BackupResult result = Backups.run(s, tmp.resolve("backups"));
            long millis = (System.nanoTime() - start) / 1_000_000L;
            assertThat(millis).as("the whole window, not a backoff").isGreaterThanOrEqualTo(3000);
            assertRestores(result, source);
        }
    }

    /** D1 out of CPU on a page: the page is asked again with fewer rows, and the backup is exact. */
    @Test
    void aPageD1FindsTooLargeIsAskedAgainSmaller() throws Exception {
        Path source = Fixtures.manyRows(tmp, "many", 2_000);
        try (WorkerdD1 d1 = new WorkerdD1()) {
            Map<String, String> s = settings(d1, source);
            s.put("d1.retries", "0"); // not a retry: a smaller request
            s.put("backup.parallelism", "1");
            Backups.smallPages(s); // many pages: requests 12 and 13 are pages
            d1.faults(n -> n == 12 || n == 13 ? Fault.status(400, "D1 DB exceeded its CPU time limit and was reset.") : null);
            BackupResult result = Backups.run(s, tmp.resolve("backups"));
            assertRestores(result, source);
        }
    }
}
