package io.github.cameld1backup.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.github.cameld1backup.api.Totp;
import io.github.cameld1backup.testing.Attacks;
import io.github.cameld1backup.testing.Attacks.HealthWatch;
import io.github.cameld1backup.testing.Attacks.Tally;
import io.github.cameld1backup.testing.ChildService;
import io.github.cameld1backup.testing.Fixtures;
import io.github.cameld1backup.testing.Service;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * For bench/hostile.sh: issue 18's findings 1 to 5, each against a fresh run command in its own JVM with
 * the launcher's memory settings, printing what happened. Arguments: the service's classpath (another
 * build's, to compare) and a scratch folder.
 */
public final class HostileTraffic {

    static final String KEY = "bench-key-0123456789abcdef0123456789abcdef";
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final HttpClient HTTP = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
    private static final Totp TOTP = new Totp(Totp.decodeSecret(Service.SECRET), "SHA1", 6,
            Duration.ofSeconds(Service.STEP_SECONDS), Clock.systemUTC());

    public static void main(String[] args) throws Exception {
        String classpath = args[0];
        Path work = Files.createDirectories(Path.of(args[1]));
        Path db = work.resolve("big.db");
        if (!Files.exists(db)) {
            Fixtures.manyRows(work, "big", 300_000);
        }

        try (ChildService s = start(classpath, work, "1", db)) {
            String run = startBackup(s);
            Tally posts;
            Tally bodies;
            String health;
            try (HealthWatch watch = new HealthWatch(s.baseUrl())) {
                posts = Attacks.bodies(s.port(), "POST", "/api/backup", 30, 30, Attacks.TEN_MB);
                bodies = Attacks.bodies(s.port(), "GET", "/health", 200, 30, Attacks.TEN_MB);
                health = watch.toString();
            }
            String state = awaitRun(s, run);
            double rss = s.peakRssMiB();
            double term = s.sigterm(Duration.ofSeconds(60));
            System.out.printf("1 bodies: 30 x 10 MB POST %s; 200 x 10 MB GET /health %s; %s; OutOfMemoryErrors in log %d;"
                            + " backup started before: %s; peak RSS %.0f MiB; SIGTERM to exit %s%n", posts, bodies, health,
                    count(s.log(), "OutOfMemoryError"), state, rss, term < 0 ? "over 60 s" : String.format("%.1f s", term));
        }
        try (ChildService s = start(classpath, work, "2", db)) {
            Tally wrong = Attacks.wrongCodes(s.port(), 400, Map.of("X-API-Key", KEY));
            System.out.printf("2 budget: 400 wrong codes at once from 40 addresses: %d checked (401), %d refused unchecked"
                    + " (429), %s%n", wrong.count(401), wrong.count(429), wrong);
        }
        try (ChildService s = start(classpath, work, "3", db)) {
            String code = TOTP.now();
            int list = send(s, "GET", "/api/backup?X-API-Key=" + KEY + "&Authorization=Bearer%20" + code, Map.of());
            int key = send(s, "GET", "/api/backup?X-API-Key=" + KEY, Map.of("Authorization", "Bearer " + freshCode(code)));
            System.out.printf("3 query: GET /api/backup?X-API-Key=KEY&Authorization=Bearer%%20CODE -> %d;"
                    + " ?X-API-Key=KEY with the code in its header -> %d%n", list, key);
        }
        try (ChildService s = start(classpath, work, "4", db)) {
            Tally noKey = Attacks.requests(s.baseUrl(), "POST", "/api/backup", Map.of("Authorization", "Bearer 123456"), 300, 16);
            int good = send(s, "POST", "/api/session", Map.of("X-API-Key", KEY, "Authorization", "Bearer " + TOTP.now()));
            System.out.printf("4 key: 300 requests without the key %s, then key + good code -> %d%n", noKey, good);
        }
        Path audit = work.resolve("audit-5.jsonl");
        Files.deleteIfExists(audit);
        try (ChildService s = start(classpath, work, "5", db, "AUDIT_LOCATION", "file:" + audit)) {
            Tally refused = Attacks.requests(s.baseUrl(), "GET", "/api/backup", Map.of("X-API-Key", KEY), 5000, 16);
            double rss = s.peakRssMiB();
            s.sigterm(Duration.ofSeconds(60));
            System.out.printf("5 audit: 5,000 requests without a code %s; audit lines %d (%d bytes); peak RSS %.0f MiB%n",
                    refused, Files.exists(audit) ? Files.readAllLines(audit).size() : 0, Files.exists(audit) ? Files.size(audit) : 0, rss);
        }
    }

    private static ChildService start(String classpath, Path work, String name, Path db, String... more) throws Exception {
        Map<String, String> env = new HashMap<>(Map.of("TOTP_SECRET", Service.SECRET, "TOTP_STEP",
                String.valueOf(Service.STEP_SECONDS), "BACKUP_API_KEY", KEY, "BACKUP_WORK_DIR", work.resolve("scratch").toString(),
                "BACKUP_CRON", "0 0 3 1 1 ? 2099"));
        for (int i = 0; i + 1 < more.length; i += 2) {
            env.put(more[i], more[i + 1]);
        }
        Path out = work.resolve("out-" + name);
        return new ChildService(classpath, env, List.of("--source", "sqlite:" + db, "--target", "file:" + out),
                work.resolve("service-" + name + ".log"));
    }

    private static String startBackup(ChildService s) throws Exception {
        HttpResponse<String> r = HTTP.send(HttpRequest.newBuilder(URI.create(s.baseUrl() + "/api/backup"))
                .header("X-API-Key", KEY).header("Authorization", "Bearer " + TOTP.now())
                .POST(HttpRequest.BodyPublishers.noBody()).build(), HttpResponse.BodyHandlers.ofString());
        return JSON.readTree(r.body()).path("id").asText();
    }

    /** The run's last state, polled for up to a minute (a service that stopped answering: its last answer). */
    private static String awaitRun(ChildService s, String run) throws Exception {
        Instant until = Instant.now().plusSeconds(60);
        String state = "no answer";
        while (Instant.now().isBefore(until)) {
            try {
                JsonNode status = JSON.readTree(HTTP.send(HttpRequest.newBuilder(URI.create(s.baseUrl() + "/api/backup/runs/" + run))
                        .header("X-API-Key", KEY).timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.ofString()).body());
                state = status.path("state").asText() + (status.path("errors").isEmpty() ? "" : " " + status.path("errors"));
                if (!state.startsWith("queued") && !state.startsWith("running")) {
                    return state;
                }
            } catch (java.io.IOException e) {
                state = "no answer (" + e.getClass().getSimpleName() + ")";
            }
            Thread.sleep(500);
        }
        return state;
    }

    private static int send(ChildService s, String method, String path, Map<String, String> headers) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(s.baseUrl() + path))
                .method(method, HttpRequest.BodyPublishers.noBody());
        headers.forEach(b::header);
        return HTTP.send(b.build(), HttpResponse.BodyHandlers.discarding()).statusCode();
    }

    /** A code of a later time step than {@code used}. */
    private static String freshCode(String used) throws InterruptedException {
        while (TOTP.now().equals(used)) {
            Thread.sleep(100);
        }
        return TOTP.now();
    }

    private static int count(String text, String word) {
        Matcher m = Pattern.compile(Pattern.quote(word)).matcher(text);
        int n = 0;
        while (m.find()) {
            n++;
        }
        return n;
    }
}
