package io.github.cameld1backup.subject;

import io.github.cameld1backup.testing.AgeKeys;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.github.cameld1backup.BackupApplication;
import io.github.cameld1backup.BackupCli;
import io.github.cameld1backup.core.BackupHeaders;
import io.github.cameld1backup.format.AesGcmDataFormat;
import io.github.cameld1backup.model.BackupResult;
import io.github.cameld1backup.model.Manifest;
import io.github.cameld1backup.model.RestoreResult;
import io.github.cameld1backup.model.Verification;
import io.github.cameld1backup.testing.Backups;
import io.github.cameld1backup.testing.DatabaseSnapshot;
import io.github.cameld1backup.testing.Service;
import io.github.cameld1backup.testing.WorkerdD1;
import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import java.util.zip.GZIPInputStream;
import org.apache.camel.impl.DefaultCamelContext;
import org.apache.camel.support.DefaultExchange;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Data-subject requests over five backups of one database (plain, two AES-256-GCM, age, and an incremental
 * on top of the age one), each checked against SQLite itself: the subject's rows and what references them
 * by SQLite's own queries, and an erasure by SQLite's own foreign-key actions and full-text triggers.
 */
class DataSubjectRequestTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String KEY = "00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff";
    private static final String SUBJECT = "users.email=" + PeopleFixture.EMAIL;

    @TempDir
    Path tmp;

    /** The five backups, oldest first, with the source as it was when each was taken. */
    record Five(Path folder, Map<String, String> settings, List<String> names, List<Path> points) {
    }

    private Five fiveBackups() throws Exception {
        Path db = PeopleFixture.create(tmp);
        Path folder = tmp.resolve("backups");
        Path identity = tmp.resolve("age-identity.txt");
        Map<String, String> settings = Backups.sqlite(db);
        settings.put("backup.target", "file:" + folder);
        settings.put("backup.work.dir", tmp.resolve("work").toString());
        settings.put("backup.compression", "gzip");
        settings.put("encryption.key", KEY);
        settings.put("age.recipients", AgeKeys.generate(identity));
        settings.put("age.identity", AgeKeys.identity(identity));
        settings.put("backup.incremental.tables", "posts:id,comments:id,audit:id");
        settings.put("subject.references", PeopleFixture.REFERENCES);
        settings.put("audit.location", "file:" + tmp.resolve("audit.log"));
        String[] encryption = {"none", "aes-256-gcm", "aes-256-gcm", "age", "aes-256-gcm"};
        List<String> names = new ArrayList<>();
        List<Path> points = new ArrayList<>();
        BackupResult last = null;
        for (int i = 0; i < encryption.length; i++) {
            if (last != null) {
                PeopleFixture.change(db, i);
                Backups.awaitNextName(last);
            }
            Map<String, String> run = new HashMap<>(settings);
            run.put("backup.encryption", encryption[i]);
            run.put("backup.incremental", String.valueOf(i == 4));
            last = Backups.run(run, folder);
            names.add(Path.of(last.location()).getFileName().toString());
            Path point = tmp.resolve("point-" + i + ".db");
            Files.copy(db, point);
            points.add(point);
        }
        assertThat(manifest(folder, names.get(4)).kind()).isEqualTo(Manifest.INCREMENTAL);
        assertThat(names.get(3)).endsWith(".sql.gz.age");
        assertThat(names.get(1)).endsWith(".sql.gz.enc");
        settings.put("backup.encryption", "aes-256-gcm"); // what the ledger is sealed with
        return new Five(folder, settings, names, points);
    }

    @Test
    void findReturnsExactlyTheSubjectAndWhatReferencesItFromEveryBackup() throws Exception {
        Five five = fiveBackups();
        try (BackupApplication app = BackupApplication.start(five.settings())) {
            SubjectReport report = app.subject("find", SUBJECT, null, Map.of());
            assertThat(report.backups()).extracting(SubjectReport.Backup::backup)
                    .containsExactlyElementsOf(reversed(five.names()));
            for (SubjectReport.Backup b : report.backups()) {
                Path point = five.points().get(five.names().indexOf(b.backup()));
                assertThat(found(b.found())).as(b.backup()).isEqualTo(PeopleFixture.subjectRowsBySqlite(point));
                assertThat(b.state()).isEqualTo(SubjectReport.PRESENT);
            }
            // The oldest backup predates the subject's later posts; the newest has every one.
            assertThat(report.backups().get(0).rows()).isGreaterThan(report.backups().get(4).rows());
        }
        // The command line's JSON: BLOBs base64, integers exact, the value in the rows but in no log or audit line.
        Run find = cli(five, "subject", "find", SUBJECT);
        assertThat(find.exit()).as(find.err()).isZero();
        JsonNode json = JSON.readTree(find.out());
        JsonNode users = table(json.path("backups").get(0).path("found"), "users");
        int email = columns(users).indexOf("email");
        int avatar = columns(users).indexOf("avatar");
        assertThat(users.path("rows").get(0).get(email).asText()).isEqualTo(PeopleFixture.EMAIL);
        assertThat(users.path("rows").get(0).get(avatar).path("base64").asText()).isEqualTo("AAf/Jw==");
        Run ndjson = cli(five, "subject", "find", SUBJECT, "--format", "ndjson");
        assertThat(ndjson.out().lines().map(l -> readTree(l).path("backup").asText()).toList())
                .containsExactlyElementsOf(reversed(five.names()));
        String audit = Files.readString(tmp.resolve("audit.log"));
        assertThat(audit).contains("\"operation\":\"subject-find\"", "\"valueHash\":\"")
                .doesNotContain(PeopleFixture.EMAIL, "zo\\u00EB.subject");
        assertThat(find.err()).doesNotContain(PeopleFixture.EMAIL);
    }

    @Test
    void eraseRecordsTheSubjectSoEveryRestoreAndVerifyOfEveryBackupHasNoTraceOfIt() throws Exception {
        Five five = fiveBackups();
        try (BackupApplication app = BackupApplication.start(five.settings())) {
            SubjectReport dry = app.subject("erase", SUBJECT, null, Map.of(BackupHeaders.SUBJECT_DRY_RUN, true));
            assertThat(dry.dryRun()).isTrue();
            assertThat(dry.backups()).allSatisfy(b -> assertThat(b.erase().total()).isPositive());
            assertThat(ledgerFile(five)).doesNotExist();

            SubjectReport erased = app.subject("erase", SUBJECT, null, Map.of());
            assertThat(erased.erasures()).hasSize(1);
            // The ledger is sealed like the backups: neither the value nor its table's name in clear.
            String ledger = Files.readString(ledgerFile(five));
            assertThat(ledger).doesNotContain(PeopleFixture.EMAIL, "users").contains("\"sealed\"");

            for (int i = 0; i < 5; i++) {
                String name = five.names().get(i);
                Path restored = tmp.resolve("restored-" + i + ".db");
                RestoreResult result = app.restore(name, "sqlite:" + restored, false, 1);
                assertThat(result.erasures().removed()).as(name).isPositive();
                assertThat(result.summary()).contains("Erasure ledger applied: 1 entry");
                Path oracle = PeopleFixture.erasedBySqlite(five.points().get(i), tmp.resolve("oracle-" + i + ".db"));
                assertThat(DatabaseSnapshot.of(restored)).as(name).isEqualTo(DatabaseSnapshot.of(oracle));
                assertThat(ftsMatches(restored, PeopleFixture.MARKER)).as(name).isZero();
                assertThat(bytesContain(restored, PeopleFixture.EMAIL)).as(name).isFalse();

                Verification verified = app.verify(name);
                assertThat(verified.ok()).as(verified.summary()).isTrue();
                assertThat(verified.summary()).contains("erasure ledger");
            }
            SubjectReport status = app.subject("status", SUBJECT, null, Map.of());
            assertThat(status.backups()).extracting(SubjectReport.Backup::state)
                    .containsOnly(SubjectReport.COVERED);
            assertThat(status.erasures()).isEqualTo(erased.erasures());

            // D1 cannot run the keyed hash: a restore into D1 loads a copy with the ledger applied.
            try (WorkerdD1 d1 = new WorkerdD1()) {
                String id = d1.createDatabase("restored");
                Map<String, String> toD1 = new HashMap<>(five.settings());
                Backups.d1(d1, id).forEach((k, v) -> {
                    if (k.startsWith("cloudflare.")) {
                        toD1.put(k, v); // D1's address and credentials; the backups stay those of the SQLite file
                    }
                });
                toD1.put("restore.d1.database.id", id);
                try (BackupApplication restoring = BackupApplication.start(toD1)) {
                    RestoreResult intoD1 = restoring.restore(five.names().get(4), "d1", false, 1);
                    assertThat(intoD1.erasures().removed()).isPositive();
                }
                Path oracle = tmp.resolve("oracle-4.db");
                assertThat(DatabaseSnapshot.of(d1, id)).isEqualTo(DatabaseSnapshot.of(oracle));
            }
        }
        assertThat(Files.readString(tmp.resolve("audit.log"))).contains("\"operation\":\"subject-erase\"",
                "\"outcome\":\"recorded\"", "\"entries\":1").doesNotContain(PeopleFixture.EMAIL);
    }

    @Test
    void eraseWithRewriteLeavesBackupsThatHoldNoTraceRestoreExactlyAndVerify() throws Exception {
        Five five = fiveBackups();
        Map<String, Manifest> originals = new HashMap<>();
        for (String name : five.names()) {
            originals.put(name, manifest(five.folder(), name));
        }
        try (BackupApplication app = BackupApplication.start(five.settings())) {
            SubjectReport erased = app.subject("erase", SUBJECT, null, Map.of(BackupHeaders.SUBJECT_REWRITE, true));
            assertThat(erased.rewrites()).extracting(SubjectReport.Rewritten::original)
                    .containsExactlyInAnyOrderElementsOf(five.names());
            List<Manifest> listed = app.list(null);
            assertThat(listed).hasSize(5).allSatisfy(m -> {
                assertThat(m.object()).contains("-erased-");
                assertThat(m.kind()).isEqualTo(Manifest.FULL); // the incremental's chain is rewritten as fulls
                assertThat(m.erasures()).isEqualTo(erased.erasures());
                Manifest original = originals.get(m.replaces().object());
                assertThat(m.replaces().sha256()).isEqualTo(original.sha256());
                assertThat(m.startedAt()).isEqualTo(original.startedAt()); // retention sees the same point in time
                assertThat(m.encryption().scheme()).isEqualTo(original.encryption().scheme());
            });
            for (String name : five.names()) {
                assertThat(five.folder().resolve(name)).doesNotExist();
                assertThat(five.folder().resolve(name + Manifest.SUFFIX)).doesNotExist();
            }
            for (Manifest m : listed) {
                int i = five.names().indexOf(m.replaces().object());
                String sql = decodedDump(five, m);
                assertThat(sql).as(m.object()).contains("CREATE TABLE users")
                        .doesNotContain(PeopleFixture.EMAIL, PeopleFixture.MARKER, PeopleFixture.NAME);
                assertThat(app.verify(m.object()).ok()).isTrue();
                Path restored = tmp.resolve("rewritten-" + i + ".db");
                RestoreResult result = app.restore(m.object(), "sqlite:" + restored, false, 1);
                assertThat(result.erasures().removed()).isZero(); // the rewrite itself holds nothing of the subject
                Path oracle = PeopleFixture.erasedBySqlite(five.points().get(i), tmp.resolve("oracle-" + i + ".db"));
                assertThat(DatabaseSnapshot.of(restored)).as(m.object()).isEqualTo(DatabaseSnapshot.of(oracle));
            }
            assertThat(app.subject("status", SUBJECT, null, Map.of()).backups()).extracting(SubjectReport.Backup::state)
                    .containsOnly(SubjectReport.REWRITTEN);
        }
        assertThat(Files.readString(tmp.resolve("audit.log"))).contains("\"operation\":\"subject-rewrite\"",
                "\"outcome\":\"original deleted\"");
    }

    @Test
    void aRewriteKilledHalfWayLeavesEveryBackupRestorableAndARerunFinishesIt() throws Exception {
        Five five = fiveBackups();
        Path config = config(five);
        Process p = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-cp",
                System.getProperty("java.class.path"), BackupCli.class.getName(), "subject", "erase", SUBJECT,
                "--rewrite", "--config", config.toString())
                .redirectErrorStream(true).redirectOutput(tmp.resolve("killed.log").toFile()).start();
        try {
            // Killed (SIGKILL: no shutdown hook) as soon as the first rewrite is stored.
            await("a first rewrite").atMost(Duration.ofMinutes(2)).pollInterval(Duration.ofMillis(10))
                    .until(() -> rewrites(five.folder()) > 0 || !p.isAlive());
        } finally {
            p.destroyForcibly();
            p.waitFor(30, TimeUnit.SECONDS);
        }
        assertThat(rewrites(five.folder())).as(Files.readString(tmp.resolve("killed.log"))).isPositive();
        try (BackupApplication app = BackupApplication.start(five.settings())) {
            List<Manifest> listed = app.list(null);
            assertThat(listed.size()).isGreaterThanOrEqualTo(5);
            for (Manifest m : listed) {
                String original = m.rewritten() ? m.replaces().object() : m.object();
                int i = five.names().indexOf(original);
                Path restored = tmp.resolve("after-kill-" + m.object() + ".db");
                app.restore(m.object(), "sqlite:" + restored, false, 1);
                Path oracle = tmp.resolve("oracle-" + i + ".db");
                if (!Files.exists(oracle)) {
                    PeopleFixture.erasedBySqlite(five.points().get(i), oracle);
                }
                assertThat(DatabaseSnapshot.of(restored)).as(m.object()).isEqualTo(DatabaseSnapshot.of(oracle));
            }
            app.subject("erase", SUBJECT, null, Map.of(BackupHeaders.SUBJECT_REWRITE, true));
            assertThat(app.list(null)).hasSize(5).allSatisfy(m -> assertThat(m.rewritten()).isTrue());
        }
    }

    @Test
    void requestsAreCheckedAgainstTheSchemaAndTheRowLimitAndNeedAKey() throws Exception {
        Path db = PeopleFixture.create(tmp);
        Path folder = tmp.resolve("backups");
        Map<String, String> settings = Backups.sqlite(db);
        settings.put("subject.hash.key", "a key of sixteen characters or more");
        Backups.run(settings, folder);
        settings.put("backup.target", "file:" + folder);
        settings.put("backup.work.dir", tmp.resolve("work").toString());
        try (BackupApplication app = BackupApplication.start(settings)) {
            assertThatThrownBy(() -> app.subject("find", "users.mail=x", null, Map.of()))
                    .hasMessageContaining("mail").hasMessageContaining("users");
            assertThatThrownBy(() -> app.subject("erase", "people.email=x", null, Map.of()))
                    .hasMessageContaining("people");
            // The value is bound, never spliced into SQL.
            SubjectReport injected = app.subject("find", "users.email=x' OR 1=1 --", null, Map.of());
            assertThat(injected.rows()).isZero();
            // Every user's posts: over subject.max.rows unless forced.
            Map<String, String> small = new HashMap<>(settings);
            small.put("subject.max.rows", "3");
            try (BackupApplication limited = BackupApplication.start(small)) {
                assertThatThrownBy(() -> limited.subject("erase", SUBJECT, null, Map.of(BackupHeaders.SUBJECT_DRY_RUN,
                        true))).hasMessageContaining("--force");
                assertThat(limited.subject("erase", SUBJECT, null, Map.of(BackupHeaders.SUBJECT_DRY_RUN, true,
                        BackupHeaders.SUBJECT_FORCE, true)).rows()).isGreaterThan(3);
            }
        }
        settings.remove("subject.hash.key");
        try (BackupApplication app = BackupApplication.start(settings)) {
            assertThatThrownBy(() -> app.subject("erase", SUBJECT, null, Map.of()))
                    .hasMessageContaining("SUBJECT_HASH_KEY");
        }
    }

    @Test
    void theApiAnswersAnAccessRequestForACodeAndRefusesWithoutOne() throws Exception {
        Path db = PeopleFixture.create(tmp);
        Path folder = tmp.resolve("backups");
        Map<String, String> settings = Backups.sqlite(db);
        Backups.run(settings, folder);
        settings.put("backup.target", "file:" + folder);
        settings.put("backup.work.dir", tmp.resolve("work").toString());
        settings.put("subject.hash.key", "a key of sixteen characters or more");
        settings.put("subject.references", PeopleFixture.REFERENCES);
        try (Service service = new Service(settings)) {
            String body = JSON.writeValueAsString(Map.of("predicate", SUBJECT));
            Service.Answer refused = service.call("POST", "/api/subject/find", Map.of("Content-Type", "application/json"),
                    body);
            assertThat(refused.status()).isEqualTo(401);
            Service.Answer found = service.call("POST", "/api/subject/find", Map.of("Authorization",
                    "Bearer " + service.freshCode(), "Content-Type", "application/json"), body);
            assertThat(found.status()).as(new String(found.body(), StandardCharsets.UTF_8)).isEqualTo(200);
            assertThat(found.headers().get("cache-control")).containsExactly("no-store");
            assertThat(found(found.json().path("backups").get(0).path("found")))
                    .isEqualTo(PeopleFixture.subjectRowsBySqlite(db));
            Service.Answer typo = service.call("POST", "/api/subject/find", Map.of("Authorization",
                    "Bearer " + service.freshCode()), JSON.writeValueAsString(Map.of("predicate", "users.mail=x")));
            assertThat(typo.status()).isEqualTo(400);
            assertThat(typo.json().path("error").asText()).contains("mail");
        }
    }

    // --- helpers

    private static List<String> reversed(List<String> names) {
        List<String> out = new ArrayList<>(names);
        java.util.Collections.reverse(out);
        return out;
    }

    /** A report's rows per table, as the oracle writes them. */
    private static Map<String, TreeSet<String>> found(SubjectFindResult result) {
        Map<String, TreeSet<String>> out = new TreeMap<>();
        for (SubjectTable t : result.tables()) {
            if (!PeopleFixture.TABLES.contains(t.table())) {
                continue;
            }
            for (List<Object> row : t.rows()) {
                List<String> cells = new ArrayList<>();
                for (int i = 0; i < row.size(); i++) {
                    cells.add(t.columns().get(i) + "=" + PeopleFixture.text(row.get(i)));
                }
                out.computeIfAbsent(t.table(), k -> new TreeSet<>()).add(String.join(", ", cells));
            }
        }
        return out;
    }

    /** The same from the JSON answer: BLOBs come as {"base64": ...}, numbers as numbers. */
    private static Map<String, TreeSet<String>> found(JsonNode result) {
        Map<String, TreeSet<String>> out = new TreeMap<>();
        for (JsonNode t : result.path("tables")) {
            String table = t.path("table").asText();
            if (!PeopleFixture.TABLES.contains(table)) {
                continue;
            }
            List<String> columns = columns(t);
            for (JsonNode row : t.path("rows")) {
                List<String> cells = new ArrayList<>();
                for (int i = 0; i < columns.size(); i++) {
                    JsonNode v = row.get(i);
                    Object value = v.isNull() ? null : v.isObject() ? java.util.Base64.getDecoder().decode(
                            v.path("base64").asText()) : v.isIntegralNumber() ? (Object) v.asLong()
                            : v.isNumber() ? (Object) v.asDouble() : v.asText();
                    cells.add(columns.get(i) + "=" + PeopleFixture.text(value));
                }
                out.computeIfAbsent(table, k -> new TreeSet<>()).add(String.join(", ", cells));
            }
        }
        return out;
    }

    private static JsonNode table(JsonNode result, String name) {
        for (JsonNode t : result.path("tables")) {
            if (t.path("table").asText().equals(name)) {
                return t;
            }
        }
        throw new AssertionError("no table " + name + " in " + result);
    }

    private static List<String> columns(JsonNode table) {
        List<String> out = new ArrayList<>();
        table.path("columns").forEach(c -> out.add(c.asText()));
        return out;
    }

    private static JsonNode readTree(String line) {
        try {
            return JSON.readTree(line);
        } catch (Exception e) {
            throw new AssertionError(line, e);
        }
    }

    private static Manifest manifest(Path folder, String name) throws Exception {
        return JSON.readValue(folder.resolve(name + Manifest.SUFFIX).toFile(), Manifest.class);
    }

    private static Path ledgerFile(Five five) throws Exception {
        try (Stream<Path> files = Files.list(five.folder())) {
            return files.filter(f -> f.getFileName().toString().startsWith("erasures-")).findFirst()
                    .orElse(five.folder().resolve("erasures-people.ndjson"));
        }
    }

    private static long rewrites(Path folder) throws Exception {
        try (Stream<Path> files = Files.list(folder)) {
            return files.filter(f -> f.getFileName().toString().contains("-erased-")
                    && f.getFileName().toString().endsWith(Manifest.SUFFIX)).count();
        }
    }

    private static long ftsMatches(Path db, String word) throws Exception {
        try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + db); Statement s = c.createStatement();
             ResultSet rs = s.executeQuery("SELECT count(*) FROM posts_fts WHERE posts_fts MATCH '" + word + "'")) {
            return rs.getLong(1);
        }
    }

    /** Whether the file's bytes hold the text anywhere (free pages included). */
    private static boolean bytesContain(Path file, String text) throws Exception {
        String haystack = new String(Files.readAllBytes(file), StandardCharsets.ISO_8859_1);
        return haystack.contains(new String(text.getBytes(StandardCharsets.UTF_8), StandardCharsets.ISO_8859_1));
    }

    /** A stored backup as plain SQL: age by the age tool, AES-256-GCM by the project's format, then gunzip. */
    private String decodedDump(Five five, Manifest m) throws Exception {
        Path object = five.folder().resolve(m.object());
        byte[] bytes;
        switch (m.encryption().scheme()) {
            case "age" -> {
                Process p = new ProcessBuilder("age", "-d", "-i", tmp.resolve("age-identity.txt").toString(),
                        object.toString()).start();
                bytes = p.getInputStream().readAllBytes();
                assertThat(p.waitFor(1, TimeUnit.MINUTES)).isTrue();
            }
            case "aes-256-gcm" -> {
                try (var camel = new DefaultCamelContext()) {
                    camel.start();
                    Object plain;
                    try (InputStream in = Files.newInputStream(object)) {
                        plain = new AesGcmDataFormat(KEY).unmarshal(new DefaultExchange(camel), in);
                    }
                    bytes = camel.getTypeConverter().convertTo(byte[].class, plain);
                }
            }
            default -> bytes = Files.readAllBytes(object);
        }
        ByteArrayOutputStream sql = new ByteArrayOutputStream();
        try (InputStream gz = new GZIPInputStream(new java.io.ByteArrayInputStream(bytes))) {
            gz.transferTo(sql);
        }
        return sql.toString(StandardCharsets.UTF_8);
    }

    private Path config(Five five) throws Exception {
        Properties p = new Properties();
        p.putAll(five.settings());
        Path file = tmp.resolve("settings.properties");
        try (var out = Files.newBufferedWriter(file, StandardCharsets.UTF_8)) {
            p.store(out, "data-subject test");
        }
        return file;
    }

    private record Run(int exit, String out, String err) {
    }

    private Run cli(Five five, String... args) throws Exception {
        List<String> all = new ArrayList<>(List.of(args));
        all.add("--config");
        all.add(config(five).toString());
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        var cli = BackupCli.commandLine();
        cli.setOut(new PrintWriter(out));
        cli.setErr(new PrintWriter(err));
        int exit = cli.execute(all.toArray(String[]::new));
        return new Run(exit, out.toString(), err.toString());
    }
}
