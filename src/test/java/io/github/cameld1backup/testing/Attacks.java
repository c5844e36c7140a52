package io.github.cameld1backup.testing;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * The hostile traffic of issue 18, replayed against a service on 127.0.0.1: floods of large bodies,
 * wrong codes at once, requests without credentials. Each answers how many requests got each status
 * (-1: the connection ended without an answer) and how long the whole took.
 */
public final class Attacks {

    public static final long TEN_MB = 10L * 1024 * 1024;

    /** Statuses and their counts, and the seconds the attack took. */
    public record Tally(Map<Integer, Integer> statuses, double seconds) {
        public int count(int status) {
            return statuses.getOrDefault(status, 0);
        }

        @Override
        public String toString() {
            return statuses + String.format(" in %.1f s", seconds);
        }
    }

    private Attacks() {
    }

    /** {@code n} requests each sending {@code bytes} of body, {@code concurrency} at a time, without credentials. */
    public static Tally bodies(int port, String method, String path, int n, int concurrency, long bytes) throws Exception {
        String head = RawHttp.head(method, path, Map.of("Content-Length", String.valueOf(bytes),
                "Content-Type", "application/octet-stream"));
        return atOnce(n, concurrency, i -> RawHttp.flood("127.0.0.1", port, head, bytes).status());
    }

    /** {@code n} wrong codes sent at once from 40 loopback addresses (127.0.0.2 to 127.0.0.41). */
    public static Tally wrongCodes(int port, int n, Map<String, String> headers) throws Exception {
        Map<String, String> all = new TreeMap<>(headers);
        all.put("Authorization", "Bearer 000000");
        all.put("Content-Length", "0");
        String head = RawHttp.head("POST", "/api/backup", all);
        return atOnce(n, Math.min(n, 100), i -> RawHttp.send("127.0.0." + (2 + i % 40), port, head, new byte[0]).status());
    }

    /** {@code n} requests, {@code concurrency} at a time, over kept-alive connections. */
    public static Tally requests(String baseUrl, String method, String path, Map<String, String> headers, int n,
                                 int concurrency) throws Exception {
        HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(baseUrl + path)).timeout(Duration.ofSeconds(30))
                .method(method, HttpRequest.BodyPublishers.noBody());
        headers.forEach(b::header);
        HttpRequest request = b.build();
        return atOnce(n, concurrency, i -> {
            try {
                return http.send(request, HttpResponse.BodyHandlers.discarding()).statusCode();
            } catch (IOException e) {
                return -1;
            }
        });
    }

    interface Attempt {
        int status(int index) throws Exception;
    }

    private static Tally atOnce(int n, int concurrency, Attempt attempt) throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(concurrency);
        try {
            CountDownLatch go = new CountDownLatch(1);
            List<Future<Integer>> answers = new ArrayList<>();
            for (int i = 0; i < n; i++) {
                int index = i;
                Callable<Integer> one = () -> {
                    go.await();
                    try {
                        return attempt.status(index);
                    } catch (IOException e) {
                        return -1;
                    }
                };
                answers.add(pool.submit(one));
            }
            long start = System.nanoTime();
            go.countDown();
            Map<Integer, Integer> statuses = new TreeMap<>();
            for (Future<Integer> a : answers) {
                statuses.merge(a.get(), 1, Integer::sum);
            }
            return new Tally(statuses, (System.nanoTime() - start) / 1e9);
        } finally {
            pool.shutdownNow();
        }
    }

    /** Polls /health every quarter second while open: how many answered 200, how many did not, the slowest. */
    public static final class HealthWatch implements AutoCloseable {
        private final Thread poller;
        private volatile boolean open = true;
        private int ok;
        private int failed;
        private double slowestSeconds;

        public HealthWatch(String baseUrl) {
            HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
                    .connectTimeout(Duration.ofSeconds(10)).build();
            HttpRequest health = HttpRequest.newBuilder(URI.create(baseUrl + "/health")).timeout(Duration.ofSeconds(10)).build();
            poller = new Thread(() -> {
                while (open) {
                    long start = System.nanoTime();
                    boolean up;
                    try {
                        up = http.send(health, HttpResponse.BodyHandlers.ofString()).statusCode() == 200;
                    } catch (IOException e) {
                        up = false;
                    } catch (InterruptedException e) {
                        return;
                    }
                    synchronized (this) {
                        if (up) {
                            ok++;
                        } else {
                            failed++;
                        }
                        slowestSeconds = Math.max(slowestSeconds, (System.nanoTime() - start) / 1e9);
                    }
                    try {
                        Thread.sleep(250);
                    } catch (InterruptedException e) {
                        return;
                    }
                }
            }, "health-watch");
            poller.setDaemon(true);
            poller.start();
        }

        public synchronized int ok() {
            return ok;
        }

        public synchronized int failed() {
            return failed;
        }

        public synchronized double slowestSeconds() {
            return slowestSeconds;
        }

        @Override
        public void close() throws InterruptedException {
            open = false;
            poller.join(15_000);
        }

        @Override
        public synchronized String toString() {
            return String.format("/health: %d answered 200, %d did not, slowest %.2f s", ok, failed, slowestSeconds);
        }
    }
}
