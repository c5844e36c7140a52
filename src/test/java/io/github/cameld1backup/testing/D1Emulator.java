package io.github.cameld1backup.testing;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.github.cameld1backup.sql.SqlScript;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.math.BigDecimal;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.ResultSetMetaData;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongFunction;
import java.util.function.LongPredicate;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * An in-process stand-in for the D1 HTTP API, over a real SQLite engine, on 127.0.0.1. It keeps
 * D1's wire behaviour: the Cloudflare envelope, one result per statement, numbers as JavaScript
 * doubles (9007199254740993 becomes 9007199254740992, REAL 2.0 becomes 2), BLOBs as arrays of
 * bytes, statements over 100 KB refused, a request run as one transaction (so BEGIN fails),
 * foreign keys always on, ATTACH/VACUUM/writable_schema/sqlite_version() refused, the internal
 * {@code _cf_METADATA} table present but unreadable, and bearer-token checks.
 *
 * <p>{@code rows_read} is counted as the rows a statement returns plus any OFFSET it skips: what
 * D1 bills for the statement shapes a backup issues.
 */
public final class D1Emulator implements AutoCloseable, org.junit.jupiter.api.extension.AfterAllCallback {

    public static final String ACCOUNT = "0123456789abcdef0123456789abcdef";
    public static final String TOKEN = "emulator-token-0123456789";
    public static final int MAX_STATEMENT_BYTES = 100_000;

    private static final Pattern PATH = Pattern.compile(
            "/client/v4/accounts/([^/]+)/d1/database/([^/]+)(?:/(raw|query|export|time_travel/bookmark))?/?");
    private static final Pattern EXPORT_FILE = Pattern.compile("/export-files/([0-9a-f]{32})/[^/]+");
    private static final Pattern OFFSET = Pattern.compile("(?i)\\bOFFSET\\s+(\\d+)");
    private static final Pattern CF_IDENTIFIER = Pattern.compile("(?i)(?<![A-Za-z0-9_])_cf_[A-Za-z0-9_]*");

    private final ObjectMapper mapper = new ObjectMapper();
    private final HttpServer server;
    private final ExecutorService executor;
    private final long latencyMillis;
    private final java.util.concurrent.atomic.AtomicInteger inFlight = new java.util.concurrent.atomic.AtomicInteger();
    private final java.util.concurrent.atomic.AtomicInteger maxInFlight = new java.util.concurrent.atomic.AtomicInteger();
    private final ThreadLocal<Boolean> counted = ThreadLocal.withInitial(() -> false);
    private final Map<String, Database> databases = new ConcurrentHashMap<>();
    private final AtomicLong requests = new AtomicLong();
    private final AtomicLong rowsRead = new AtomicLong();
    private final AtomicLong rowsWritten = new AtomicLong();
    private final List<Executed> log = new CopyOnWriteArrayList<>();
    private volatile LongFunction<Fault> faults = n -> null;
    private final ThreadLocal<Fault> current = new ThreadLocal<>(); // the fault of the request this thread answers

    /**
     * A way of answering badly. {@link Kind#STATUS}: an error status with D1's envelope (429 with
     * {@code Retry-After: retryAfterSeconds} when that is positive). {@link Kind#CUT_OFF}: a 200 whose
     * headers promise more than the fragment sent. {@link Kind#RESET}: the real answer's headers and
     * the first half of its body, then the connection dropped. {@link Kind#TRUNCATED_JSON}: a complete
     * HTTP 200 whose JSON body stops half way. {@link Kind#SLOW}: the real answer after {@code delayMillis}.
     */
    public record Fault(Kind kind, int status, String message, long retryAfterSeconds, long delayMillis) {

        public enum Kind { STATUS, CUT_OFF, RESET, TRUNCATED_JSON, SLOW }

        public static Fault status(int status, String message) {
            return new Fault(Kind.STATUS, status, message, status == 429 ? 1 : 0, 0);
        }

        /** A 429 without Retry-After: the client falls back to its own backoff. */
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
    private volatile java.util.function.LongConsumer beforeRequest = n -> { };
    private volatile String exportFailure;
    /** Exports being polled, by database id; while one runs, its database answers no queries (as D1's does). */
    private final Map<String, ExportJob> exports = new ConcurrentHashMap<>();
    /** Finished exports' dumps behind one-time signed URLs, by token. */
    private final Map<String, Path> exportFiles = new ConcurrentHashMap<>();

    /** One statement the emulator ran, with what it billed. */
    public record Executed(String databaseId, String sql, long rowsRead) {
    }

    private record Database(String id, String name, Path file) {
    }

    static {
        // Answer small requests at once instead of waiting on delayed ACKs.
        System.setProperty("sun.net.httpserver.nodelay", "true");
    }

    /**
     * One emulator for a whole test class: {@code @RegisterExtension static final D1Emulator d1 = D1Emulator.perClass();}
     * starts it with the class and closes it after the class's last test.
     */
    public static D1Emulator perClass() {
        try {
            return new D1Emulator();
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    @Override
    public void afterAll(org.junit.jupiter.api.extension.ExtensionContext context) {
        close();
    }

    public D1Emulator() throws IOException {
        this(1, java.time.Duration.ZERO); // one request at a time, like one D1 database
    }

    /**
     * An emulator that takes up to {@code connections} requests at once, each answered no sooner
     * than {@code latency} (the round trip to Cloudflare); statements still run one request at a
     * time per database, as in D1.
     */
    public D1Emulator(int connections, java.time.Duration latency) throws IOException {
        executor = connections == 1 ? Executors.newSingleThreadExecutor() : Executors.newFixedThreadPool(connections);
        latencyMillis = latency.toMillis();
        server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        server.createContext("/", this::handle);
        server.setExecutor(executor);
        server.start();
    }

    /** The most requests this emulator was answering at one time. */
    public int maxInFlight() {
        return maxInFlight.get();
    }

    public String baseUrl() {
        return "http://127.0.0.1:" + server.getAddress().getPort() + "/client/v4";
    }

    /** Serves the SQLite file at {@code file} (created if absent) as a D1 database; answers its id. */
    public String addDatabase(String name, Path file) throws SQLException {
        String id = UUID.randomUUID().toString();
        try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + file); Statement s = c.createStatement()) {
            s.execute("CREATE TABLE IF NOT EXISTS _cf_METADATA (key INTEGER PRIMARY KEY, value BLOB)");
            s.execute("INSERT OR IGNORE INTO _cf_METADATA VALUES (2, X'00')");
        }
        databases.put(id, new Database(id, name, file));
        return id;
    }

    /**
     * Fault injection: requests whose number (counted from 1 since the last reset) matches fail
     * with {@code status} (200: a cut-off answer).
     */
    public void failRequests(LongPredicate which, int status, String message) {
        Fault fault = status == 200 ? Fault.of(Fault.Kind.CUT_OFF) : Fault.status(status, message);
        faults(n -> which.test(n) ? fault : null);
    }

    /** Fault injection: request number n (counted from 1 since the last reset) gets {@code schedule(n)}, or a good answer for null. */
    public void faults(LongFunction<Fault> schedule) {
        faults = schedule;
    }

    /**
     * Runs {@code hook} before each request is handled, with its number (counted from 1 since the last
     * reset), on the emulator's one request thread: a write made there lands between two requests.
     */
    public void beforeRequest(java.util.function.LongConsumer hook) {
        beforeRequest = hook;
    }

    /** The next export fails with {@code message} (as D1 reports a failed export: status "error") once polled. */
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

    public void resetCounters() {
        requests.set(0);
        rowsRead.set(0);
        rowsWritten.set(0);
        log.clear();
    }

    @Override
    public void close() {
        server.stop(0);
        executor.shutdownNow();
    }

    private void handle(HttpExchange http) throws IOException {
        counted.set(true);
        maxInFlight.accumulateAndGet(inFlight.incrementAndGet(), Math::max);
        try {
            if (latencyMillis > 0) {
                Thread.sleep(latencyMillis);
            }
            answer(http);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            answered(http);
        }
    }

    /** A request stops counting as in flight just before its answer goes out (the client may send the next at once). */
    private void answered(HttpExchange http) {
        if (counted.get()) { // each request's handler runs on one thread
            counted.set(false);
            inFlight.decrementAndGet();
        }
    }

    private void answer(HttpExchange http) throws IOException {
        long number = requests.incrementAndGet();
        Fault fault = faults.apply(number);
        current.set(fault);
        try (http) {
            beforeRequest.accept(number);
            Matcher file = EXPORT_FILE.matcher(http.getRequestURI().getPath());
            if (file.matches()) { // the signed URL: another host in D1, so none of its faults
                serveExport(http, file.group(1));
                return;
            }
            if (fault != null && fault.kind() == Fault.Kind.SLOW) {
                sleep(fault.delayMillis());
            }
            if (fault != null && (fault.kind() == Fault.Kind.STATUS || fault.kind() == Fault.Kind.CUT_OFF)) {
                http.getRequestBody().readAllBytes();
                if (fault.kind() == Fault.Kind.CUT_OFF) { // headers promise more than arrives
                    answered(http);
                    http.sendResponseHeaders(200, 1000);
                    http.getResponseBody().write("{\"result\": [{\"results\": {\"columns\"".getBytes());
                    return;
                }
                if (fault.retryAfterSeconds() > 0) {
                    http.getResponseHeaders().set("Retry-After", String.valueOf(fault.retryAfterSeconds()));
                }
                fail(http, fault.status(), fault.status() == 429 ? 971 : 7500, fault.message());
                return;
            }
            Matcher m = PATH.matcher(http.getRequestURI().getPath());
            if (!m.matches()) {
                fail(http, 404, 7000, "No route for that URI");
                return;
            }
            if (!("Bearer " + TOKEN).equals(http.getRequestHeaders().getFirst("Authorization"))) {
                fail(http, 401, 10000, "Authentication error");
                return;
            }
            if (!ACCOUNT.equals(m.group(1))) {
                fail(http, 403, 7403, "The given account is not valid or is not authorized to access this service");
                return;
            }
            Database db = databases.get(m.group(2));
            if (db == null) {
                fail(http, 404, 7404, "The database " + m.group(2) + " could not be found");
                return;
            }
            String endpoint = m.group(3);
            if ("time_travel/bookmark".equals(endpoint) && http.getRequestMethod().equals("GET")) {
                String bookmark = bookmark(db);
                respond(http, 200, g -> {
                    g.writeObjectFieldStart("result");
                    g.writeStringField("bookmark", bookmark);
                    g.writeEndObject();
                });
                return;
            }
            if ("export".equals(endpoint) && http.getRequestMethod().equals("POST")) {
                export(http, db);
                return;
            }
            if (exports.containsKey(db.id())) {
                http.getRequestBody().readAllBytes();
                fail(http, 400, 7500, "Currently processing a long-running export.");
                return;
            }
            if (endpoint == null && http.getRequestMethod().equals("GET")) {
                respond(http, 200, g -> {
                    g.writeObjectFieldStart("result");
                    g.writeStringField("uuid", db.id());
                    g.writeStringField("name", db.name());
                    g.writeStringField("version", "production");
                    g.writeNumberField("file_size", Files.size(db.file()));
                    g.writeEndObject();
                });
                return;
            }
            if (endpoint == null || !http.getRequestMethod().equals("POST") || !endpoint.matches("raw|query")) {
                fail(http, 405, 7000, "Method not allowed");
                return;
            }
            List<String> statements;
            try {
                statements = statements(mapper.readTree(http.getRequestBody()));
            } catch (IOException | IllegalArgumentException e) {
                fail(http, 400, 7400, "The request is malformed: " + e.getMessage());
                return;
            }
            execute(http, db, statements, endpoint.equals("raw"));
        }
    }

    /**
     * The database's Time Travel bookmark, in D1's shape. It is derived from SQLite's file change
     * counter (bytes 24-27 of the header, bumped by every committed write in rollback-journal mode),
     * so any write, through the API or straight to the file, gives a new bookmark.
     */
    public String bookmark(String databaseId) throws IOException {
        return bookmark(databases.get(databaseId));
    }

    private static String bookmark(Database db) throws IOException {
        byte[] header = new byte[100];
        try (java.io.InputStream in = Files.newInputStream(db.file())) {
            in.readNBytes(header, 0, header.length);
        }
        java.nio.ByteBuffer b = java.nio.ByteBuffer.wrap(header);
        int changes = b.getInt(24);
        int pages = b.getInt(28);
        int schemaCookie = b.getInt(40);
        try {
            byte[] digest = java.security.MessageDigest.getInstance("MD5").digest(
                    (db.id() + "/" + changes + "/" + pages + "/" + schemaCookie).getBytes(StandardCharsets.UTF_8));
            return String.format("%08x-%08x-%08x-%s", changes, pages, schemaCookie,
                    java.util.HexFormat.of().formatHex(digest));
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /** One export: the dump is taken when it starts (a snapshot at its bookmark) and handed out on a later poll. */
    private static final class ExportJob {
        final String atBookmark;
        final Path dump;
        final String failure;
        int polls;

        ExportJob(String atBookmark, Path dump, String failure) {
            this.atBookmark = atBookmark;
            this.dump = dump;
            this.failure = failure;
        }
    }

    /**
     * POST /export, output_format "polling": the first request starts the export and answers
     * "active"; polling with current_bookmark answers "complete" with a one-time signed URL (or
     * "error"). Databases with virtual tables are refused, as D1 refuses them.
     */
    private void export(HttpExchange http, Database db) throws IOException {
        JsonNode body;
        try {
            body = mapper.readTree(http.getRequestBody());
        } catch (IOException e) {
            fail(http, 400, 7400, "The request is malformed: " + e.getMessage());
            return;
        }
        if (!"polling".equals(body.path("output_format").asText())) {
            fail(http, 400, 7400, "The request is malformed: output_format must be polling");
            return;
        }
        String current = body.path("current_bookmark").asText("");
        ExportJob job = exports.get(db.id());
        try {
            if (job == null || current.isEmpty()) {
                if (job != null) {
                    fail(http, 400, 7500, "Currently processing a long-running export.");
                    return;
                }
                String bookmark = bookmark(db);
                List<String> virtual = virtualTables(db);
                if (!virtual.isEmpty()) {
                    exportAnswer(http, bookmark, "error", "Export failed: D1 cannot export a database with virtual"
                            + " tables (" + String.join(", ", virtual) + ")", null);
                    return;
                }
                Path dump = Files.createTempFile("d1-emulator-export-", ".sql");
                dump.toFile().deleteOnExit();
                writeExport(db, dump);
                exports.put(db.id(), new ExportJob(bookmark, dump, exportFailure));
                exportFailure = null;
                exportAnswer(http, bookmark, "active", null, null);
                return;
            }
            if (!current.equals(job.atBookmark)) {
                fail(http, 400, 7500, "Currently processing a long-running export.");
                return;
            }
            job.polls++;
            if (job.failure != null) {
                exports.remove(db.id());
                Files.deleteIfExists(job.dump);
                exportAnswer(http, job.atBookmark, "error", job.failure, null);
                return;
            }
            exports.remove(db.id());
            String token = java.util.HexFormat.of().formatHex(
                    java.nio.ByteBuffer.allocate(16).putLong(UUID.randomUUID().getMostSignificantBits())
                            .putLong(UUID.randomUUID().getLeastSignificantBits()).array());
            exportFiles.put(token, job.dump);
            String filename = db.name() + "-" + job.atBookmark + ".sql";
            exportAnswer(http, job.atBookmark, "complete", null, Map.of("filename", filename, "signed_url",
                    "http://127.0.0.1:" + server.getAddress().getPort() + "/export-files/" + token + "/" + filename));
        } catch (SQLException e) {
            fail(http, 500, 7500, "D1_ERROR: internal error: " + e.getMessage());
        }
    }

    private void exportAnswer(HttpExchange http, String bookmark, String status, String error,
                              Map<String, String> result) throws IOException {
        respond(http, 200, g -> {
            g.writeObjectFieldStart("result");
            g.writeBooleanField("success", !"error".equals(status));
            g.writeStringField("type", "export");
            g.writeStringField("at_bookmark", bookmark);
            g.writeStringField("status", status);
            g.writeArrayFieldStart("messages");
            g.writeString(switch (status) {
                case "active" -> "Generating " + bookmark + ".sql";
                case "complete" -> "Uploaded part 1";
                default -> "Export failed";
            });
            g.writeEndArray();
            if (error != null) {
                g.writeStringField("error", error);
            }
            if (result != null) {
                g.writeObjectField("result", result);
            }
            g.writeEndObject();
        });
    }

    /** The signed URL: streams the dump once, then forgets it (later requests get 404, like an expired URL). */
    private void serveExport(HttpExchange http, String token) throws IOException {
        Path dump = exportFiles.remove(token);
        if (dump == null || !Files.exists(dump)) {
            byte[] body = "<Error><Code>NoSuchKey</Code></Error>".getBytes(StandardCharsets.UTF_8);
            http.sendResponseHeaders(404, body.length);
            http.getResponseBody().write(body);
            return;
        }
        http.getResponseHeaders().set("Content-Type", "application/sql");
        http.sendResponseHeaders(200, Files.size(dump));
        try (OutputStream out = http.getResponseBody()) {
            Files.copy(dump, out);
        }
        Files.deleteIfExists(dump);
    }

    private static List<String> virtualTables(Database db) throws SQLException {
        List<String> out = new ArrayList<>();
        try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + db.file()); Statement s = c.createStatement();
             ResultSet rs = s.executeQuery("SELECT name FROM sqlite_master WHERE type = 'table'"
                     + " AND sql LIKE 'CREATE VIRTUAL TABLE%' ORDER BY rowid")) {
            while (rs.next()) {
                out.add(rs.getString(1));
            }
        }
        return out;
    }

    /**
     * A dump in the shape of D1's export, written by the emulator's own code: each table's CREATE
     * followed by its rows (one INSERT each, rowids not kept), D1's and SQLite's internal tables
     * included, then indexes, triggers and views in creation order. Text is written as it is (raw
     * newlines, carriage returns and NULs inside the quotes); other values as SQLite's quote().
     * Not in an order that restores everywhere: a child table's rows may come before its parent's.
     */
    private static void writeExport(Database db, Path file) throws SQLException, IOException {
        try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + db.file()); Statement s = c.createStatement();
             java.io.Writer out = Files.newBufferedWriter(file, StandardCharsets.UTF_8)) {
            out.write("PRAGMA defer_foreign_keys=TRUE;\n");
            List<String[]> objects = new ArrayList<>();
            try (ResultSet rs = s.executeQuery("SELECT type, name, sql FROM sqlite_master WHERE sql IS NOT NULL ORDER BY rowid")) {
                while (rs.next()) {
                    objects.add(new String[] {rs.getString(1), rs.getString(2), rs.getString(3)});
                }
            }
            for (String[] o : objects) {
                if (o[0].equals("table")) {
                    out.write(o[2] + ";\n");
                    if (!o[2].regionMatches(true, 0, "CREATE VIRTUAL", 0, 14)) {
                        writeRows(s, o[1], out);
                    }
                }
            }
            for (String[] o : objects) {
                if (!o[0].equals("table")) {
                    out.write(o[2] + ";\n");
                }
            }
        }
    }

    private static void writeRows(Statement s, String table, java.io.Writer out) throws SQLException, IOException {
        String quoted = '"' + table.replace("\"", "\"\"") + '"';
        List<String> columns = new ArrayList<>();
        boolean hidden = false;
        try (ResultSet rs = s.executeQuery("PRAGMA table_xinfo(" + quoted + ")")) {
            while (rs.next()) {
                if (rs.getInt("hidden") == 0) {
                    columns.add('"' + rs.getString("name").replace("\"", "\"\"") + '"');
                } else {
                    hidden = true;
                }
            }
        }
        List<String> select = new ArrayList<>();
        for (String column : columns) {
            select.add("typeof(" + column + "), quote(" + column + "), hex(" + column + ")");
        }
        String insert = "INSERT INTO " + quoted + (hidden ? "(" + String.join(",", columns) + ")" : "") + " VALUES(";
        try (ResultSet rs = s.executeQuery("SELECT " + String.join(", ", select) + " FROM " + quoted)) {
            while (rs.next()) {
                StringBuilder row = new StringBuilder(insert);
                for (int i = 0; i < columns.size(); i++) {
                    if (i > 0) {
                        row.append(',');
                    }
                    if (rs.getString(3 * i + 1).equals("text")) {
                        String text = new String(java.util.HexFormat.of().parseHex(rs.getString(3 * i + 3)),
                                StandardCharsets.UTF_8);
                        row.append('\'').append(text.replace("'", "''")).append('\'');
                    } else {
                        row.append(rs.getString(3 * i + 2));
                    }
                }
                out.write(row.append(");\n").toString());
            }
        }
    }

    private static List<String> statements(JsonNode body) {
        List<String> out = new ArrayList<>();
        if (body.has("batch")) {
            body.get("batch").forEach(q -> out.addAll(SqlScript.split(q.path("sql").asText())));
        } else if (body.path("sql").isTextual()) {
            out.addAll(SqlScript.split(body.get("sql").asText()));
        } else {
            throw new IllegalArgumentException("expected sql or batch");
        }
        if (body.has("params") && body.get("params").size() > 0) {
            throw new IllegalArgumentException("params are not supported by this emulator");
        }
        return out;
    }

    private void execute(HttpExchange http, Database db, List<String> statements, boolean raw) throws IOException {
        synchronized (db) { // one request at a time per database, as in D1
            executeSerially(http, db, statements, raw);
        }
    }

    private void executeSerially(HttpExchange http, Database db, List<String> statements, boolean raw)
            throws IOException {
        List<Result> results = new ArrayList<>();
        try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + db.file())) {
            try (Statement s = c.createStatement()) {
                s.execute("PRAGMA foreign_keys = ON");
            }
            c.setAutoCommit(false); // D1 runs a request as one transaction
            try {
                for (String sql : statements) {
                    results.add(run(c, db, sql));
                }
                c.commit();
            } catch (SQLException | D1Refusal e) {
                c.rollback();
                String message = e instanceof D1Refusal ? e.getMessage() : "D1_ERROR: " + e.getMessage();
                fail(http, 400, 7500, message);
                return;
            }
        } catch (SQLException e) {
            fail(http, 500, 7500, "D1_ERROR: internal error: " + e.getMessage());
            return;
        }
        respond(http, 200, g -> {
            g.writeArrayFieldStart("result");
            for (Result r : results) {
                g.writeStartObject();
                if (raw) {
                    g.writeObjectFieldStart("results");
                    g.writeArrayFieldStart("columns");
                    for (String col : r.columns) {
                        g.writeString(col);
                    }
                    g.writeEndArray();
                    g.writeArrayFieldStart("rows");
                    for (List<Object> row : r.rows) {
                        g.writeStartArray();
                        for (Object v : row) {
                            writeValue(g, v);
                        }
                        g.writeEndArray();
                    }
                    g.writeEndArray();
                    g.writeEndObject();
                } else {
                    g.writeArrayFieldStart("results");
                    for (List<Object> row : r.rows) {
                        g.writeStartObject();
                        for (int i = 0; i < r.columns.size(); i++) {
                            g.writeFieldName(r.columns.get(i));
                            writeValue(g, row.get(i));
                        }
                        g.writeEndObject();
                    }
                    g.writeEndArray();
                }
                g.writeBooleanField("success", true);
                g.writeObjectFieldStart("meta");
                g.writeStringField("served_by", "d1-emulator");
                g.writeNumberField("duration", 0.1);
                g.writeNumberField("changes", r.changes);
                g.writeNumberField("rows_read", r.rowsRead);
                g.writeNumberField("rows_written", r.changes);
                g.writeBooleanField("changed_db", r.changes > 0);
                g.writeNumberField("size_after", Files.size(db.file()));
                g.writeEndObject();
                g.writeEndObject();
            }
            g.writeEndArray();
        });
    }

    private static final class Result {
        final List<String> columns = new ArrayList<>();
        final List<List<Object>> rows = new ArrayList<>();
        long rowsRead;
        long changes;
    }

    private static final class D1Refusal extends Exception {
        D1Refusal(String message) {
            super(message);
        }
    }

    private Result run(Connection c, Database db, String sql) throws SQLException, D1Refusal {
        if (sql.getBytes(StandardCharsets.UTF_8).length > MAX_STATEMENT_BYTES) {
            throw new D1Refusal("D1_ERROR: statement too long: SQLITE_TOOBIG");
        }
        refuseForbidden(sql);
        Result r = new Result();
        try (PreparedStatement ps = c.prepareStatement(sql)) {
            if (ps.execute()) {
                try (ResultSet rs = ps.getResultSet()) {
                    ResultSetMetaData meta = rs.getMetaData();
                    for (int i = 1; i <= meta.getColumnCount(); i++) {
                        r.columns.add(meta.getColumnLabel(i));
                    }
                    while (rs.next()) {
                        List<Object> row = new ArrayList<>();
                        for (int i = 1; i <= r.columns.size(); i++) {
                            row.add(rs.getObject(i));
                        }
                        r.rows.add(row);
                    }
                }
            } else {
                r.changes = Math.max(0, ps.getUpdateCount());
            }
        }
        Matcher offset = OFFSET.matcher(sql);
        r.rowsRead = r.rows.size() + (offset.find() ? Long.parseLong(offset.group(1)) : 0);
        rowsRead.addAndGet(r.rowsRead);
        rowsWritten.addAndGet(r.changes);
        log.add(new Executed(db.id(), sql, r.rowsRead));
        return r;
    }

    /** What D1's authorizer refuses; string literals are blanked first so their text cannot trip it. */
    private static void refuseForbidden(String sql) throws D1Refusal {
        String code = blankStrings(sql).toLowerCase(Locale.ROOT);
        String first = code.replaceAll("(?s)^(\\s|--[^\\n]*\\n|/\\*.*?\\*/)*", "");
        if (first.matches("(?s)^(commit|end|rollback|release|savepoint)\\b.*")) {
            throw new D1Refusal("D1_ERROR: not authorized to use " + first.split("\\s+")[0].toUpperCase(Locale.ROOT)
                    + ": SQLITE_AUTH");
        }
        if (first.matches("(?s)^(attach|detach|vacuum)\\b.*") || code.matches("(?s).*\\bpragma\\s+writable_schema\\b.*")
                || code.matches("(?s).*\\bsqlite_version\\s*\\(.*") || CF_IDENTIFIER.matcher(code).find()) {
            throw new D1Refusal("D1_ERROR: not authorized: SQLITE_AUTH");
        }
    }

    /** The statement with every '...' literal emptied (a linear scan: literals can be megabytes). */
    private static String blankStrings(String sql) {
        StringBuilder out = new StringBuilder(Math.min(sql.length(), 4096));
        boolean inString = false;
        for (int i = 0; i < sql.length(); i++) {
            char c = sql.charAt(i);
            if (c == '\'') {
                if (inString && i + 1 < sql.length() && sql.charAt(i + 1) == '\'') {
                    i++;
                    continue;
                }
                inString = !inString;
                out.append(c);
            } else if (!inString) {
                out.append(c);
            }
        }
        return out.toString();
    }

    /** A value as D1's JavaScript runtime serialises it. */
    private static void writeValue(JsonGenerator g, Object v) throws IOException {
        if (v == null) {
            g.writeNull();
        } else if (v instanceof byte[] bytes) {
            g.writeStartArray();
            for (byte b : bytes) {
                g.writeNumber(b & 0xff);
            }
            g.writeEndArray();
        } else if (v instanceof Number n) {
            double d = n.doubleValue(); // every number is a JavaScript double
            if (!Double.isFinite(d)) {
                g.writeNull();
            } else if (d == Math.rint(d) && Math.abs(d) < 1e21) {
                g.writeNumber(new BigDecimal(d).toBigInteger());
            } else {
                g.writeNumber(d);
            }
        } else {
            g.writeString(v.toString());
        }
    }

    private interface Body {
        void write(JsonGenerator g) throws IOException;
    }

    private void respond(HttpExchange http, int status, Body result) throws IOException {
        ByteArrayOutputStream buffer = new ByteArrayOutputStream();
        try (JsonGenerator g = mapper.getFactory().createGenerator(buffer)) {
            g.writeStartObject();
            result.write(g);
            g.writeBooleanField("success", status < 300);
            g.writeArrayFieldStart("errors");
            g.writeEndArray();
            g.writeArrayFieldStart("messages");
            g.writeEndArray();
            g.writeEndObject();
        }
        send(http, status, buffer.toByteArray());
    }

    private void fail(HttpExchange http, int status, int code, String message) throws IOException {
        byte[] body = mapper.writeValueAsBytes(Map.of(
                "result", List.of(), "success", false, "messages", List.of(),
                "errors", List.of(Map.of("code", code, "message", message))));
        send(http, status, body);
    }

    /** Sends the answer, or the first half of it when the request's fault is a reset or truncated JSON. */
    private void send(HttpExchange http, int status, byte[] body) throws IOException {
        http.getResponseHeaders().set("Content-Type", "application/json");
        answered(http);
        Fault current = this.current.get();
        Fault.Kind cut = current == null ? null : current.kind();
        if (cut == Fault.Kind.RESET) {
            // The whole length promised, half sent, then the exchange closes short: the server drops the connection.
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

    private static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
