package io.github.cameld1backup.testing;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongConsumer;
import java.util.function.LongFunction;
import java.util.function.LongPredicate;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * The D1 of the tests: workerd's own D1 engine, run by miniflare from npm ({@code src/test/d1},
 * pinned and locked) behind a thin front serving D1's REST paths, so SQL parsing, D1's authorizer,
 * its statement loop and limits, rows read and its export writer are the real ones.
 *
 * <p>Each instance is a loopback proxy in front of that engine, holding what workerd cannot do:
 * faults (statuses, 429s with or without Retry-After, cut-off and reset answers after the request
 * committed, slow answers), request and rows-read counts, the statement log, concurrency and a
 * round-trip latency for benchmarks. One node process serves the whole test JVM (it starts in a
 * few seconds), with a fixed number of databases; another starts when they are taken.
 */
public final class WorkerdD1 implements AutoCloseable, AfterAllCallback {

    public static final String ACCOUNT = "0123456789abcdef0123456789abcdef";
    public static final String TOKEN = "workerd-token-0123456789";
    public static final int MAX_STATEMENT_BYTES = 100_000;

    private static final ObjectMapper MAPPER = new ObjectMapper();
    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();
    private static final int DATABASES_PER_FRONT = 64;
    private static final List<Front> FRONTS = new ArrayList<>();

    private final HttpServer server;
    private final ExecutorService executor;
    private final long latencyMillis;
    private final Map<String, Front> databases = new java.util.concurrent.ConcurrentHashMap<>();
    private final AtomicLong requests = new AtomicLong();
    private final AtomicLong rowsRead = new AtomicLong();
    private final AtomicInteger inFlight = new AtomicInteger();
    private final AtomicInteger maxInFlight = new AtomicInteger();
    private final List<Executed> log = new CopyOnWriteArrayList<>();
    private volatile LongFunction<Fault> faults = n -> null;
    private volatile LongConsumer beforeRequest = n -> { };
    private volatile String exportFailure;

    /** A fault the proxy gives one request instead of, or on top of, workerd's answer. */
    public record Fault(Kind kind, int status, String message, long retryAfterSeconds, long delayMillis) {

        /**
         * STATUS: an error answer, the request never reaches D1. CUT_OFF: headers promise more body than
         * comes, the request never reaches D1. RESET and TRUNCATED_JSON: D1 runs (and commits) the
         * request, the answer is cut short. SLOW: the answer comes after a delay.
         */
        public enum Kind { STATUS, CUT_OFF, RESET, TRUNCATED_JSON, SLOW }

        public static Fault status(int status, String message) {
            return new Fault(Kind.STATUS, status, message, status == 429 ? 1 : 0, 0);
        }

        public static Fault tooManyRequests(long retryAfterSeconds) {
            return new Fault(Kind.STATUS, 429, "Too many requests", retryAfterSeconds, 0);
        }

        public static Fault of(Kind kind) {
            return new Fault(kind, 200, "", 0, 0);
        }

        public static Fault slow(long delayMillis) {
            return new Fault(Kind.SLOW, 200, "", 0, delayMillis);
        }

        /**
         * A seeded random schedule: each request fails with {@code probability}, with one of
         * {@code kinds}; the same seed and request number always give the same answer.
         */
        public static LongFunction<Fault> randomly(long seed, double probability, List<Fault> kinds) {
            return n -> {
                Random r = new Random(seed * 1_000_003L + n);
                return r.nextDouble() < probability ? kinds.get(r.nextInt(kinds.size())) : null;
            };
        }
    }

    /** One query D1 ran for a request through this proxy, with the rows D1 says it read. */
    public record Executed(String databaseId, String sql, long rowsRead) {
    }

    static {
        System.setProperty("sun.net.httpserver.nodelay", "true"); // answer small requests at once
    }

    /** One D1 for a test class: {@code @RegisterExtension static final WorkerdD1 d1 = WorkerdD1.perClass();}. */
    public static WorkerdD1 perClass() {
        try {
            return new WorkerdD1();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public WorkerdD1() throws IOException {
        this(1, Duration.ZERO); // one request at a time, like one D1 database
    }

    /** A D1 that takes up to {@code connections} requests at once, each answered no sooner than {@code latency}. */
    public WorkerdD1(int connections, Duration latency) throws IOException {
        executor = connections == 1 ? Executors.newSingleThreadExecutor() : Executors.newFixedThreadPool(connections);
        latencyMillis = latency.toMillis();
        server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        server.createContext("/", this::handle);
        server.setExecutor(executor);
        server.start();
    }

    @Override
    public void afterAll(ExtensionContext context) {
        close();
    }

    @Override
    public void close() {
        server.stop(0);
        executor.shutdownNow();
    }

    public String baseUrl() {
        return "http://127.0.0.1:" + server.getAddress().getPort() + "/client/v4";
    }

    /** A new, empty D1 database; answers its id. */
    public String createDatabase(String name) {
        Front front = Front.withRoom();
        JsonNode answer = front.call("POST", "/__admin/databases", MAPPER.createObjectNode().put("name", name));
        String id = answer.path("result").path("uuid").asText();
        databases.put(id, front);
        return id;
    }

    /** A D1 database holding what the SQLite file at {@code file} holds (loaded through D1's SQL); answers its id. */
    public String addDatabase(String name, Path file) throws SQLException {
        String id = createDatabase(name);
        D1Loading.load(file, queries -> {
            ObjectNode body = MAPPER.createObjectNode();
            var batch = body.putArray("batch");
            for (D1Loading.Query q : queries) {
                ObjectNode query = batch.addObject().put("sql", q.sql());
                var params = query.putArray("params");
                for (Object p : q.params()) {
                    if (p instanceof byte[] bytes) { // D1 takes a BLOB as an array of byte values
                        var array = params.addArray();
                        for (byte b : bytes) {
                            array.add(b & 0xff);
                        }
                    } else {
                        params.add(String.valueOf(p));
                    }
                }
            }
            front(id).call("POST", apiPath(id) + "/query", body);
        });
        return id;
    }

    /** Runs {@code statements} in D1 as one request (one transaction), outside the proxy: not counted, no faults. */
    public JsonNode execute(String databaseId, List<String> statements) {
        ObjectNode body = MAPPER.createObjectNode();
        var batch = body.putArray("batch");
        statements.forEach(s -> batch.addObject().put("sql", s));
        return front(databaseId).call("POST", apiPath(databaseId) + "/query", body);
    }

    public JsonNode execute(String databaseId, String... statements) {
        return execute(databaseId, List.of(statements));
    }

    /** Posts one {@code sql} text to D1's {@code /query} as it is, outside the proxy: D1 splits it itself. */
    public JsonNode script(String databaseId, String sql) {
        return front(databaseId).call("POST", apiPath(databaseId) + "/query", MAPPER.createObjectNode().put("sql", sql));
    }

    /** The rows of one read, as D1's /raw gives them: {@code [[col, ...], row, row...]} without the column line. */
    public List<List<Object>> rows(String databaseId, String sql) {
        ObjectNode body = MAPPER.createObjectNode().put("sql", sql);
        JsonNode result = front(databaseId).call("POST", apiPath(databaseId) + "/raw", body).path("result").get(0);
        List<List<Object>> out = new ArrayList<>();
        for (JsonNode row : result.path("results").path("rows")) {
            List<Object> values = new ArrayList<>();
            row.forEach(v -> values.add(v.isNull() ? null : v.isTextual() ? v.asText() : v.isNumber() ? v.numberValue()
                    : v.toString()));
            out.add(values);
        }
        return out;
    }

    /** The database's current Time Travel bookmark (it moves with every write). */
    public String bookmark(String databaseId) {
        return front(databaseId).call("GET", apiPath(databaseId) + "/time_travel/bookmark", null)
                .path("result").path("bookmark").asText();
    }

    /** Requests whose number (counted from 1 since the last reset) matches fail with {@code status} (200: cut off). */
    public void failRequests(LongPredicate which, int status, String message) {
        Fault fault = status == 200 ? Fault.of(Fault.Kind.CUT_OFF) : Fault.status(status, message);
        faults(n -> which.test(n) ? fault : null);
    }

    /** Request number n (counted from 1 since the last reset) gets {@code schedule(n)}, or D1's answer for null. */
    public void faults(LongFunction<Fault> schedule) {
        faults = schedule;
    }

    /** Runs {@code hook} before each request goes to D1, with its number: a write made there lands between two requests. */
    public void beforeRequest(LongConsumer hook) {
        beforeRequest = hook;
    }

    /** The next export that completes is reported failed with {@code message} (status "error"), as D1 reports one. */
    public void failNextExport(String message) {
        exportFailure = message;
    }

    public void stopFailing() {
        faults = n -> null;
    }

    public long requests() {
        return requests.get();
    }

    public long rowsRead() {
        return rowsRead.get();
    }

    public List<Executed> log() {
        return List.copyOf(log);
    }

    public int maxInFlight() {
        return maxInFlight.get();
    }

    public void resetCounters() {
        requests.set(0);
        rowsRead.set(0);
        log.clear();
    }

    private Front front(String databaseId) {
        Front front = databases.get(databaseId);
        if (front == null) {
            throw new IllegalArgumentException("no database " + databaseId + " in this D1");
        }
        return front;
    }

    private static String apiPath(String databaseId) {
        return "/client/v4/accounts/" + ACCOUNT + "/d1/database/" + databaseId;
    }

    private void handle(HttpExchange http) throws IOException {
        maxInFlight.accumulateAndGet(inFlight.incrementAndGet(), Math::max);
        boolean counted = true;
        try (http) {
            if (latencyMillis > 0) {
                Thread.sleep(latencyMillis);
            }
            long number = requests.incrementAndGet();
            Fault fault = faults.apply(number);
            beforeRequest.accept(number);
            byte[] request = http.getRequestBody().readAllBytes();
            if (fault != null && fault.kind() == Fault.Kind.SLOW) {
                Thread.sleep(fault.delayMillis());
            }
            if (fault != null && fault.kind() == Fault.Kind.STATUS) {
                if (fault.retryAfterSeconds() > 0) {
                    http.getResponseHeaders().set("Retry-After", String.valueOf(fault.retryAfterSeconds()));
                }
                inFlight.decrementAndGet();
                counted = false;
                send(http, fault.status(), MAPPER.writeValueAsBytes(Map.of("result", List.of(), "success", false,
                        "messages", List.of(), "errors", List.of(Map.of("code", fault.status() == 429 ? 971 : 7500,
                                "message", fault.message())))), null);
                return;
            }
            if (fault != null && fault.kind() == Fault.Kind.CUT_OFF) { // headers promise more than arrives
                inFlight.decrementAndGet();
                counted = false;
                http.sendResponseHeaders(200, 1000);
                http.getResponseBody().write("{\"result\": [{\"results\": {\"columns\"".getBytes(StandardCharsets.UTF_8));
                return;
            }
            String databaseId = databaseIdOf(http.getRequestURI().getPath());
            Front front = databaseId == null ? null : databases.get(databaseId);
            if (front == null) {
                front = Front.any(); // its own 404/401 answers
            }
            HttpResponse<byte[]> answer = front.forward(http.getRequestMethod(), http.getRequestURI(),
                    http.getRequestHeaders().getFirst("Authorization"), request);
            byte[] body = answer.body();
            String path = http.getRequestURI().getPath();
            if (answer.statusCode() == 200 && (path.endsWith("/query") || path.endsWith("/raw"))) {
                account(databaseId, request, body);
            }
            if (path.endsWith("/export") && exportFailure != null) {
                body = failedExport(body);
            }
            inFlight.decrementAndGet();
            counted = false;
            send(http, answer.statusCode(), body, fault == null ? null : fault.kind());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            if (counted) {
                inFlight.decrementAndGet();
            }
        }
    }

    /** A completing export poll is turned into D1's "error" answer when a failure was asked for. */
    private byte[] failedExport(byte[] body) throws IOException {
        JsonNode answer = MAPPER.readTree(body);
        JsonNode result = answer.path("result");
        if (!"complete".equals(result.path("status").asText())) {
            return body;
        }
        ObjectNode failed = ((ObjectNode) result).put("status", "error").put("success", false)
                .put("error", exportFailure);
        failed.remove("result");
        exportFailure = null;
        return MAPPER.writeValueAsBytes(answer);
    }

    /** Counts rows read and logs each query, from D1's own meta. */
    private void account(String databaseId, byte[] request, byte[] body) throws IOException {
        JsonNode sent = MAPPER.readTree(request);
        List<String> sqls = new ArrayList<>();
        if (sent.has("batch")) {
            sent.get("batch").forEach(q -> sqls.add(q.path("sql").asText()));
        } else {
            sqls.add(sent.path("sql").asText());
        }
        JsonNode results = MAPPER.readTree(body).path("result");
        for (int i = 0; i < results.size(); i++) {
            long read = results.get(i).path("meta").path("rows_read").asLong();
            rowsRead.addAndGet(read);
            log.add(new Executed(databaseId, i < sqls.size() ? sqls.get(i) : sqls.get(sqls.size() - 1), read));
        }
    }

    private static String databaseIdOf(String path) {
        String[] parts = path.split("/");
        for (int i = 0; i + 1 < parts.length; i++) {
            if (parts[i].equals("database")) {
                return parts[i + 1];
            }
        }
        return null;
    }

    /** Sends the answer, or the first half of it for a reset (then the connection drops) or truncated JSON. */
    private static void send(HttpExchange http, int status, byte[] body, Fault.Kind cut) throws IOException {
        http.getResponseHeaders().set("Content-Type", "application/json");
        if (cut == Fault.Kind.RESET) {
            http.sendResponseHeaders(status, body.length);
            OutputStream out = http.getResponseBody();
            out.write(body, 0, body.length / 2);
            out.flush();
            return;
        }
        int length = cut == Fault.Kind.TRUNCATED_JSON ? body.length / 2 : body.length;
        http.sendResponseHeaders(status, length);
        try (OutputStream out = http.getResponseBody()) {
            out.write(body, 0, length);
        }
    }

    /** {@code src/test/d1} with its locked npm packages (miniflare, wrangler) installed. */
    static synchronized Path nodeFolder() {
        Path dir = Path.of("src/test/d1").toAbsolutePath();
        if (!Files.exists(dir)) { // a test run from another folder (the examples): find the project's
            dir = Path.of(System.getProperty("maven.multiModuleProjectDirectory", "."), "src/test/d1").toAbsolutePath();
        }
        try {
            NpmPackages.install(dir, "wrangler"); // the last package the lock added
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return dir;
    }

    /** One node process running {@code src/test/d1/d1-front.mjs}, with {@link #DATABASES_PER_FRONT} databases. */
    static final class Front {

        private final Process process;
        private final int port;
        private int taken;

        private Front(Process process, int port) {
            this.process = process;
            this.port = port;
        }

        /** A running front, for answers about no database of this D1 (it takes no database of its own). */
        static synchronized Front any() {
            if (FRONTS.isEmpty()) {
                FRONTS.add(start());
            }
            return FRONTS.get(0);
        }

        static synchronized Front withRoom() {
            for (Front f : FRONTS) {
                if (f.taken < DATABASES_PER_FRONT) {
                    f.taken++;
                    return f;
                }
            }
            Front front = start();
            front.taken++;
            FRONTS.add(front);
            return front;
        }

        private static Front start() {
            Path dir = nodeFolder();
            try {
                ProcessBuilder builder = new ProcessBuilder("node", "d1-front.mjs").directory(dir.toFile())
                        .redirectError(ProcessBuilder.Redirect.INHERIT);
                builder.environment().putAll(Map.of("D1_TOKEN", TOKEN, "D1_ACCOUNT", ACCOUNT,
                        "D1_BINDINGS", String.valueOf(DATABASES_PER_FRONT)));
                Process p = builder.start(); // its stdin stays open: the front exits when this JVM does
                BufferedReader out = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8));
                String line;
                long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
                while ((line = out.readLine()) != null && System.nanoTime() < deadline) {
                    if (line.startsWith("listening ")) {
                        Front front = new Front(p, Integer.parseInt(line.substring(10).trim()));
                        Runtime.getRuntime().addShutdownHook(new Thread(p::destroy));
                        Thread drain = new Thread(() -> drain(out), "workerd-d1-stdout");
                        drain.setDaemon(true);
                        drain.start();
                        return front;
                    }
                }
                p.destroy();
                throw new IllegalStateException("workerd's D1 did not start (node src/test/d1/d1-front.mjs)");
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }

        private static void drain(BufferedReader out) {
            try {
                while (out.readLine() != null) {
                    // workerd's own console output: not needed
                }
            } catch (IOException e) {
                // the process ended
            }
        }

        JsonNode call(String method, String path, JsonNode body) {
            try {
                HttpResponse<byte[]> answer = forward(method, URI.create(path), "Bearer " + TOKEN,
                        body == null ? null : MAPPER.writeValueAsBytes(body));
                JsonNode json = MAPPER.readTree(answer.body());
                if (!json.path("success").asBoolean()) {
                    throw new IllegalStateException("D1 refused " + method + " " + path + ": " + json.path("errors"));
                }
                return json;
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException(e);
            }
        }

        HttpResponse<byte[]> forward(String method, URI uri, String authorization, byte[] body)
                throws IOException, InterruptedException {
            HttpRequest.Builder request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + uri.getRawPath()
                            + (uri.getRawQuery() == null ? "" : "?" + uri.getRawQuery())))
                    .timeout(Duration.ofMinutes(2))
                    .header("Content-Type", "application/json");
            if (authorization != null) {
                request.header("Authorization", authorization);
            }
            request.method(method, body == null || body.length == 0 ? HttpRequest.BodyPublishers.noBody()
                    : HttpRequest.BodyPublishers.ofByteArray(body));
            return HTTP.send(request.build(), HttpResponse.BodyHandlers.ofByteArray());
        }
    }
}
