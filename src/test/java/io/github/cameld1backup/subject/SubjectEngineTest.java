package io.github.cameld1backup.subject;

import static io.github.cameld1backup.subject.SubjectFixture.ALICE;
import static io.github.cameld1backup.subject.SubjectFixture.ATTACHMENTS;
import static io.github.cameld1backup.subject.SubjectFixture.EMAIL;
import static io.github.cameld1backup.subject.SubjectFixture.EMAIL_COLUMN;
import static io.github.cameld1backup.subject.SubjectFixture.PREDICATE;
import static io.github.cameld1backup.subject.SubjectFixture.TRACES;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.github.cameld1backup.subject.SubjectEraseReport.TableEffect;
import io.github.cameld1backup.testing.Sqlite3Cli;
import java.io.StringWriter;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Finding and erasing a data subject in real SQLite files. */
class SubjectEngineTest {

    private static final byte[] KEY = "a subject key of thirty-two byte".getBytes(StandardCharsets.US_ASCII);
    private static final List<SubjectReference> REFERENCES =
            SubjectReference.parseList("audit.user_id->users.id, profile_fts.rowid->users.id");
    private static final SubjectSettings WITH_REFERENCES = new SubjectSettings(REFERENCES, Map.of(), 1000);

    @TempDir
    Path tmp;

    Path db;

    @BeforeEach
    void createDatabase() throws SQLException {
        db = tmp.resolve("backup.sqlite");
        SubjectFixture.create(db);
    }

    @Test
    void findReturnsExactlyTheSubjectsRowsAndEveryRowThatReferencesThemTransitively() throws Exception {
        Map<String, Set<String>> expected = new LinkedHashMap<>(SubjectFixture.expectedDeleted(db, true));
        SubjectFixture.expectedSetNull(db).forEach((table, keys) -> expected.merge(table, keys, (a, b) -> {
            Set<String> both = new java.util.LinkedHashSet<>(a);
            both.addAll(b);
            return both;
        }));

        SubjectFindResult found = new SubjectEngine(WITH_REFERENCES).find(db, SubjectPredicate.parse(PREDICATE), false);

        assertThat(found.tables().get(0).table()).isEqualTo("users");
        assertThat(found.tables().stream().map(SubjectTable::table))
                .containsExactlyInAnyOrderElementsOf(expected.keySet());
        for (SubjectTable table : found.tables()) {
            List<List<String>> independent = new ArrayList<>(rowsByKey(table.table(), expected.get(table.table())));
            List<List<String>> fromEngine = table.rows().stream()
                    .map(r -> r.stream().map(SubjectFixture::text).toList()).collect(Collectors.toList());
            assertThat(fromEngine).as(table.table()).containsExactlyInAnyOrderElementsOf(independent);
        }
        assertThat(found.rows()).isEqualTo(expected.values().stream().mapToInt(Set::size).sum()).isEqualTo(14);
        assertThat(via(found, "users")).contains("users.E-Mail ü", "users.invited_by -> users.id");
        assertThat(via(found, "comments")).contains("comments.author_id -> users.id", "comments.post_id -> posts.id");
        assertThat(via(found, "reactions")).contains("reactions(post, nr) -> " + ATTACHMENTS + "(post, nr)");
        assertThat(via(found, "sessions")).isEqualTo("sessions.user_id -> users.id");
        assertThat(via(found, "audit")).isEqualTo("audit.user_id -> users.id");
    }

    @Test
    void withoutReferencesTheTablesWithoutForeignKeysAreNotReached() throws Exception {
        SubjectFindResult found = new SubjectEngine(SubjectSettings.defaults())
                .find(db, SubjectPredicate.parse(PREDICATE), false);
        assertThat(found.tables().stream().map(SubjectTable::table)).doesNotContain("audit", "profile_fts")
                .contains("users", "posts", "comments", "sessions", ATTACHMENTS, "reactions");
    }

    @Test
    void findWritesValuesExactlyAsJson() throws Exception {
        SubjectFindResult found = new SubjectEngine(WITH_REFERENCES).find(db, SubjectPredicate.parse(PREDICATE), false);
        StringWriter out = new StringWriter();
        ObjectMapper mapper = new ObjectMapper();
        try (JsonGenerator json = mapper.getFactory().createGenerator(out)) {
            found.writeJson(json);
        }
        JsonNode root = mapper.readTree(out.toString());
        assertThat(root.get("rows").asInt()).isEqualTo(found.rows());
        Map<String, JsonNode> tables = new LinkedHashMap<>();
        root.get("tables").forEach(t -> tables.put(t.get("table").asText(), t));

        JsonNode users = tables.get("users");
        assertThat(users.get("columns").get(1).asText()).isEqualTo("E-Mail ü");
        JsonNode alice = users.get("rows").get(0);
        assertThat(alice.get(0).isIntegralNumber()).isTrue();
        assertThat(alice.get(0).bigIntegerValue()).isEqualTo(BigInteger.valueOf(ALICE)); // above 2^53, exact
        assertThat(alice.get(3).isNull()).isTrue();
        assertThat(alice.get(4).get("base64").asText())
                .isEqualTo(java.util.Base64.getEncoder().encodeToString("zqxjblob avatar".getBytes()));

        JsonNode diary = tables.get("posts").get("rows").get(0);
        assertThat(diary.get(5).get("real").asText()).isEqualTo("Infinity");
        JsonNode attachment = tables.get(ATTACHMENTS).get("rows").get(0);
        assertThat(attachment.get(3).bigIntegerValue()).isEqualTo(BigInteger.valueOf(Long.MAX_VALUE));
        assertThat(tables.get("reactions").get("rows").get(0).get(3).asText()).isEqualTo("👍");
        assertThat(tables.get("posts").get("via").asText()).contains("posts.user_id -> users.id");
    }

    @Test
    void eraseLeavesNoTraceOfTheSubjectAndEveryOtherRowAsItWas() throws Exception {
        Map<String, Map<String, List<String>>> expected = SubjectFixture.snapshot(db);
        SubjectFixture.expectedDeleted(db, true).forEach((table, keys) -> keys.forEach(expected.get(table)::remove));
        // Kept, their reference to Alice set to NULL (users.invited_by is column 4, sessions.user_id column 2).
        SubjectFixture.expectedSetNull(db).get("users").forEach(k -> expected.get("users").get(k).set(3, "NULL"));
        SubjectFixture.expectedSetNull(db).get("sessions").forEach(k -> expected.get("sessions").get(k).set(1, "NULL"));
        assertThat(ftsMatches("posts_fts", "zqxjdiary")).isEqualTo(1);
        assertThat(ftsMatches("profile_fts", "zqxjbio")).isEqualTo(1);
        assertThat(ftsMatches("comments_fts", "zqxjcomment")).isEqualTo(1);

        SubjectEraseReport report = new SubjectEngine(WITH_REFERENCES)
                .erase(db, new SubjectMatch.ByValue(SubjectPredicate.parse(PREDICATE)), false, false);

        assertThat(SubjectFixture.snapshot(db)).isEqualTo(expected);
        assertThat(report.dryRun()).isFalse();
        assertThat(report.total()).isEqualTo(14);
        assertThat(report.effects()).contains(
                new TableEffect("posts", "deleted", 3, "posts.user_id -> users.id ON DELETE CASCADE; "
                        + "posts.parent_post -> posts.id ON DELETE CASCADE"),
                new TableEffect("sessions", "set-null", 1, "sessions.user_id -> users.id ON DELETE SET NULL"),
                new TableEffect("audit", "deleted", 2,
                        "audit.user_id -> users.id (subject.references, deleted with the subject)"));
        assertThat(effect(report, "users", "deleted").rows()).isEqualTo(1);
        assertThat(effect(report, "users", "set-null").rows()).isEqualTo(1);
        assertThat(effect(report, "comments", "deleted").via())
                .contains("comments.author_id -> users.id ON DELETE RESTRICT (deleted all the same: the subject must go)");
        assertThat(report.notes()).isEmpty();

        // No full-text entry: neither found by a search nor left in any segment of the index.
        for (String trace : TRACES) {
            for (String fts : List.of("posts_fts", "comments_fts", "profile_fts")) {
                assertThat(ftsMatches(fts, trace.replace('.', ' '))).as(fts + " " + trace).isZero();
            }
        }
        assertThat(ftsMatches("posts_fts", "hello")).isEqualTo(1);
        assertThat(ftsMatches("comments_fts", "carol")).isEqualTo(1);
        assertThat(ftsMatches("profile_fts", "dogs")).isEqualTo(1);
        assertThat(query("INSERT INTO posts_fts(posts_fts) VALUES('integrity-check')")).isEmpty();
        assertThat(query("INSERT INTO comments_fts(comments_fts) VALUES('integrity-check')")).isEmpty();
        assertThat(query("PRAGMA foreign_key_check")).isEmpty();
        assertThat(query("PRAGMA integrity_check")).containsExactly(List.of("ok"));
        assertThat(new SubjectEngine(WITH_REFERENCES).find(db, SubjectPredicate.parse(PREDICATE), false).rows()).isZero();

        // Nowhere in the file's bytes (secure_delete zeroes freed space; stat4 samples are taken again) ...
        byte[] file = Files.readAllBytes(db);
        for (String trace : TRACES) {
            assertThat(indexOf(file, trace.getBytes(StandardCharsets.UTF_8))).as(trace).isEqualTo(-1);
        }
        assertThat(Files.exists(tmp.resolve("backup.sqlite-journal"))).isFalse();
        // ... nor in what sqlite3 dumps of it, as text or as the hex of a BLOB.
        String dump = Sqlite3Cli.dump(db);
        assertThat(dump).contains("bob@example.org", "hello world");
        for (String trace : TRACES) {
            assertThat(dump).doesNotContain(trace)
                    .doesNotContainIgnoringCase(HexFormat.of().formatHex(trace.getBytes(StandardCharsets.UTF_8)));
        }
    }

    @Test
    void eraseByKeyedHashErasesExactlyWhatEraseByValueErases() throws Exception {
        Path byHash = tmp.resolve("by-hash.sqlite");
        Files.copy(db, byHash);
        SubjectEngine engine = new SubjectEngine(WITH_REFERENCES);
        SubjectPredicate predicate = SubjectPredicate.parse(PREDICATE);
        SubjectKey key = SubjectKey.of(KEY);
        List<String> texts = engine.storedTexts(db, predicate);
        assertThat(texts).containsExactly(EMAIL);
        Set<String> hashes = texts.stream().map(key::hash).collect(Collectors.toSet());

        SubjectFindResult foundByHash = engine.find(byHash, new SubjectMatch.ByHash("users", "E-Mail ü", hashes, key), false);
        assertThat(foundByHash.rows()).isEqualTo(engine.find(db, predicate, false).rows()).isEqualTo(14);

        SubjectEraseReport unrelated = engine.erase(byHash, new SubjectMatch.ByHash("users", "E-Mail ü",
                Set.of(key.hash("nobody@example.org")), key), false, false);
        assertThat(unrelated.total()).isZero();

        SubjectEraseReport hashed = engine.erase(byHash,
                new SubjectMatch.ByHash("USERS", "e-mail ü", hashes, key), false, false);
        SubjectEraseReport valued = engine.erase(db, new SubjectMatch.ByValue(predicate), false, false);

        assertThat(hashed.total()).isEqualTo(valued.total()).isEqualTo(14);
        assertThat(SubjectFixture.snapshot(byHash)).isEqualTo(SubjectFixture.snapshot(db));
        assertThat(hashed.effects().stream().map(TableEffect::rows).toList())
                .isEqualTo(valued.effects().stream().map(TableEffect::rows).toList());
        // A different key is a different hash: nothing found.
        Path other = tmp.resolve("other-key.sqlite");
        SubjectFixture.create(other);
        SubjectKey otherKey = SubjectKey.of("another subject key, 32 bytes..".getBytes(StandardCharsets.US_ASCII));
        assertThat(engine.erase(other, new SubjectMatch.ByHash("users", "E-Mail ü", hashes, otherKey), false, false)
                .total()).isZero();
    }

    @Test
    void severalMatchesAtOnceEraseWhatOneByOneWouldAndATableTheBackupLacksIsANote() throws Exception {
        Path oneByOne = tmp.resolve("one-by-one.sqlite");
        Files.copy(db, oneByOne);
        SubjectEngine engine = new SubjectEngine(WITH_REFERENCES);
        SubjectKey key = SubjectKey.of(KEY);
        SubjectMatch alice = new SubjectMatch.ByHash("users", EMAIL_COLUMN, Set.of(key.hash(EMAIL)), key);
        SubjectMatch carol = new SubjectMatch.ByValue(SubjectPredicate.parse("users.\"E-Mail ü\"=carol@example.org"));
        SubjectMatch newer = new SubjectMatch.ByHash("invoices", "email", Set.of(key.hash(EMAIL)), key);

        List<SubjectEraseReport> reports = engine.erase(db, List.of(alice, newer, carol), false, false);

        assertThat(reports).hasSize(3);
        assertThat(reports.get(0).total()).isEqualTo(14);
        assertThat(reports.get(1).total()).isZero();
        assertThat(reports.get(1).notes().get(0))
                .isEqualTo("invoices.email: no table \"invoices\" in this backup, so nothing to erase there");
        assertThat(reports.get(2).total()).isPositive();
        assertThatThrownBy(() -> engine.erase(oneByOne, newer, false, false)).isInstanceOf(SubjectSchemaException.class);
        assertThat(engine.erase(oneByOne, alice, false, false).total()).isEqualTo(14);
        assertThat(engine.erase(oneByOne, carol, false, false).total()).isEqualTo(reports.get(2).total());
        assertThat(SubjectFixture.snapshot(db)).isEqualTo(SubjectFixture.snapshot(oneByOne));
        assertThat(query("PRAGMA foreign_key_check")).isEmpty();
    }

    @Test
    void aDryRunChangesNothingAndListsTheRowsThatWouldGo() throws Exception {
        byte[] before = sha256(db);
        SubjectEngine engine = new SubjectEngine(WITH_REFERENCES);
        SubjectMatch match = new SubjectMatch.ByValue(SubjectPredicate.parse(PREDICATE));

        SubjectEraseReport dry = engine.erase(db, match, false, true);

        assertThat(sha256(db)).isEqualTo(before);
        assertThat(dry.dryRun()).isTrue();
        assertThat(dry.preview()).isNotNull();
        assertThat(dry.preview().rows()).isEqualTo(14);
        SubjectFindResult found = engine.find(db, SubjectPredicate.parse(PREDICATE), false);
        assertThat(dry.preview().tables().stream().map(SubjectTable::table).toList())
                .isEqualTo(found.tables().stream().map(SubjectTable::table).toList());
        StringWriter out = new StringWriter();
        try (JsonGenerator json = new ObjectMapper().getFactory().createGenerator(out)) {
            dry.writeJson(json);
        }
        JsonNode root = new ObjectMapper().readTree(out.toString());
        assertThat(root.get("dryRun").asBoolean()).isTrue();
        assertThat(root.get("rows").asInt()).isEqualTo(14);
        assertThat(root.get("preview").get("rows").asInt()).isEqualTo(14);

        SubjectEraseReport real = engine.erase(db, match, false, false);
        assertThat(real.effects()).isEqualTo(dry.effects());
        assertThat(real.preview()).isNull();
        assertThat(sha256(db)).isNotEqualTo(before);
    }

    @Test
    void moreRowsThanTheLimitAreRefusedUnlessForcedAndNothingChanges() throws Exception {
        SubjectEngine limited = new SubjectEngine(new SubjectSettings(REFERENCES, Map.of(), 5));
        SubjectPredicate predicate = SubjectPredicate.parse(PREDICATE);
        byte[] before = sha256(db);

        assertThatThrownBy(() -> limited.find(db, predicate, false)).isInstanceOf(SubjectLimitException.class)
                .hasMessageContaining("subject.max.rows (5)").hasMessageContaining("--force")
                .hasMessageNotContaining(EMAIL);
        assertThatThrownBy(() -> limited.erase(db, new SubjectMatch.ByValue(predicate), false, false))
                .isInstanceOf(SubjectLimitException.class);
        assertThat(sha256(db)).isEqualTo(before);

        // The subject's own rows alone over the limit: counted exactly.
        SubjectEngine one = new SubjectEngine(new SubjectSettings(List.of(), Map.of(), 1));
        assertThatThrownBy(() -> one.find(db, SubjectPredicate.parse("comments.post_id=20"), false))
                .isInstanceOfSatisfying(SubjectLimitException.class, e -> {
                    assertThat(e.rows()).isEqualTo(2);
                    assertThat(e.exact()).isTrue();
                    assertThat(e.getMessage()).contains("comments.post_id matches 2 rows");
                });

        assertThat(limited.find(db, predicate, true).rows()).isEqualTo(14);
        assertThat(limited.erase(db, new SubjectMatch.ByValue(predicate), true, false).total()).isEqualTo(14);
    }

    @Test
    void policiesOverrideTheSchemasOnDeleteActions() throws Exception {
        Map<String, Map<String, List<String>>> before = SubjectFixture.snapshot(db);
        SubjectSettings settings = new SubjectSettings(REFERENCES, Map.of(
                "sessions", SubjectPolicy.parse("delete"),
                "Comments", SubjectPolicy.parse("set-null")), 1000);

        SubjectEraseReport report = new SubjectEngine(settings)
                .erase(db, new SubjectMatch.ByValue(SubjectPredicate.parse(PREDICATE)), false, false);

        Map<String, Map<String, List<String>>> after = SubjectFixture.snapshot(db);
        assertThat(after.get("sessions")).doesNotContainKey("1").containsKey("2"); // deleted, not set to NULL
        // Comments are kept with the reference that reached them set to NULL: Alice's own, and those on erased posts.
        assertThat(after.get("comments").get("100")).isEqualTo(List.of("long:100", "long:20", "NULL",
                "string:alice says zqxjcomment"));
        assertThat(after.get("comments").get("101")).isEqualTo(List.of("long:101", "NULL", "long:2",
                "string:bob on the diary"));
        assertThat(after.get("comments").get("103").get(1)).isEqualTo("NULL");
        assertThat(after.get("comments").get("102")).isEqualTo(before.get("comments").get("102"));
        assertThat(effect(report, "comments", "set-null").rows()).isEqualTo(3);
        assertThat(effect(report, "comments", "set-null").via()).startsWith("subject.policy.comments=set-null");
        assertThat(effect(report, "sessions", "deleted").rows()).isEqualTo(1);
        assertThat(query("PRAGMA foreign_key_check")).isEmpty();
    }

    @Test
    void aRedactPolicyOnTheSubjectsTableKeepsTheRowAndWhatReferencesIt() throws Exception {
        Map<String, Map<String, List<String>>> expected = SubjectFixture.snapshot(db);
        String alice = String.valueOf(ALICE);
        List<String> row = expected.get("users").get(alice);
        row.set(1, "NULL");
        row.set(2, "NULL");
        row.set(4, "NULL");
        SubjectSettings settings = new SubjectSettings(REFERENCES,
                Map.of("users", SubjectPolicy.parse("redact:\"E-Mail ü\";name;avatar;not_in_this_backup")), 1000);

        SubjectEraseReport report = new SubjectEngine(settings)
                .erase(db, new SubjectMatch.ByValue(SubjectPredicate.parse(PREDICATE)), false, false);

        assertThat(SubjectFixture.snapshot(db)).isEqualTo(expected);
        assertThat(report.effects()).containsExactly(new TableEffect("users", "redacted", 1,
                "subject.policy.users=redact:E-Mail ü;name;avatar;not_in_this_backup; users.E-Mail ü"));
        byte[] file = Files.readAllBytes(db);
        assertThat(indexOf(file, EMAIL.getBytes(StandardCharsets.UTF_8))).isEqualTo(-1);
    }

    @Test
    void withoutReferencesTheAuditRowsStayAndTheUntiedFullTextTableIsReported() throws Exception {
        SubjectEraseReport report = new SubjectEngine(SubjectSettings.defaults())
                .erase(db, new SubjectMatch.ByValue(SubjectPredicate.parse(PREDICATE)), false, false);

        assertThat(SubjectFixture.snapshot(db).get("audit")).hasSize(3);
        assertThat(ftsMatches("profile_fts", "zqxjbio")).isEqualTo(1);
        assertThat(report.notes()).singleElement().asString().contains("profile_fts")
                .contains("subject.references");
        assertThat(ftsMatches("posts_fts", "zqxjdiary")).isZero(); // kept by its triggers and the rebuild
    }

    @Test
    void aValueThatTriesToBreakOutOfTheQueryMatchesNothing() throws Exception {
        byte[] before = sha256(db);
        SubjectEngine engine = new SubjectEngine(WITH_REFERENCES);
        for (String value : List.of("x' OR 1=1 --", "' OR '1'='1", "1 OR 1=1", "\" OR 1=1 --", "x'); DROP TABLE users; --")) {
            SubjectPredicate predicate = new SubjectPredicate("users", EMAIL_COLUMN, value);
            assertThat(engine.find(db, predicate, false).rows()).as(value).isZero();
            assertThat(engine.storedTexts(db, predicate)).as(value).isEmpty();
            assertThat(engine.erase(db, new SubjectMatch.ByValue(predicate), false, false).total()).as(value).isZero();
            // A column without affinity compares the text as well: still only equal text.
            assertThat(engine.find(db, new SubjectPredicate("audit", "user_id", value), false).rows()).isZero();
        }
        assertThat(sha256(db)).isEqualTo(before);
    }

    @Test
    void aTableOrColumnNotInTheBackupIsASchemaError() {
        SubjectEngine engine = new SubjectEngine(SubjectSettings.defaults());
        assertThatThrownBy(() -> engine.find(db, SubjectPredicate.parse("nope.email=x"), false))
                .isInstanceOf(SubjectSchemaException.class).hasMessage("no table \"nope\" in this backup");
        assertThatThrownBy(() -> engine.find(db, SubjectPredicate.parse("users.nope=x"), false))
                .isInstanceOf(SubjectSchemaException.class).hasMessage("no column \"nope\" in table \"users\"");
        assertThatThrownBy(() -> engine.erase(db, new SubjectMatch.ByValue(SubjectPredicate.parse("users.nope=x")),
                false, true)).isInstanceOf(SubjectSchemaException.class);
        assertThatThrownBy(() -> engine.storedTexts(db, SubjectPredicate.parse("nope.email=x")))
                .isInstanceOf(SubjectSchemaException.class);
        // SQLite's own tables and the shadow tables of full-text indexes are not the application's.
        assertThatThrownBy(() -> engine.find(db, SubjectPredicate.parse("sqlite_stat1.tbl=users"), false))
                .isInstanceOf(SubjectSchemaException.class);
        assertThatThrownBy(() -> engine.find(db, SubjectPredicate.parse("posts_fts_data.id=1"), false))
                .isInstanceOf(SubjectSchemaException.class);
        // Hidden columns of a virtual table are not columns to match on.
        assertThatThrownBy(() -> engine.find(db, SubjectPredicate.parse("posts_fts.rank=1"), false))
                .isInstanceOf(SubjectSchemaException.class);
        assertThatThrownBy(() -> engine.find(tmp.resolve("missing.sqlite"), SubjectPredicate.parse("users.id=1"), false))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("not found");
        assertThat(Files.exists(tmp.resolve("missing.sqlite"))).isFalse();
    }

    @Test
    void theValueMatchesAsSqliteComparesItAndStoredTextsAreTheValuesAsStored() throws Exception {
        Path m = tmp.resolve("affinity.sqlite");
        try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + m); Statement s = c.createStatement()) {
            s.execute("CREATE TABLE m(i INTEGER, r REAL, t TEXT, n, b BLOB)");
            s.execute("INSERT INTO m VALUES (42, 42, '42', 42, 42), (7, 7.5, 'x', '42', X'3432'), (8, 8, '042', 42.0, 8)");
        }
        SubjectEngine engine = new SubjectEngine(SubjectSettings.defaults());
        // INTEGER and REAL affinity turn the text '42' into the number.
        assertThat(engine.find(m, SubjectPredicate.parse("m.i=42"), false).rows()).isEqualTo(1);
        assertThat(engine.storedTexts(m, SubjectPredicate.parse("m.i=42"))).containsExactly("42");
        assertThat(engine.storedTexts(m, SubjectPredicate.parse("m.i=42.0"))).containsExactly("42");
        assertThat(engine.storedTexts(m, SubjectPredicate.parse("m.r=42"))).containsExactly("42.0");
        // TEXT affinity compares text: '042' is not '42'.
        assertThat(engine.storedTexts(m, SubjectPredicate.parse("m.t=42"))).containsExactly("42");
        // No affinity: the integer 42 and the text '42' both match '42' (42.0 is "42.0").
        assertThat(engine.find(m, SubjectPredicate.parse("m.n=42"), false).rows()).isEqualTo(2);
        assertThat(engine.storedTexts(m, SubjectPredicate.parse("m.n=42"))).containsExactly("42");
        assertThat(engine.storedTexts(m, SubjectPredicate.parse("m.b=42"))).containsExactly("42");

        // The hash of the text as stored finds the REAL row, as the ledger will.
        SubjectKey key = SubjectKey.of(KEY);
        SubjectEraseReport erased = engine.erase(m, new SubjectMatch.ByHash("m", "r",
                Set.of(key.hash("42.0")), key), false, false);
        assertThat(erased.total()).isEqualTo(1);
        assertThat(query(m, "SELECT i FROM m ORDER BY i")).containsExactly(List.of("7"), List.of("8"));
    }

    @Test
    void aReferenceFromAColumnWithoutTypeFindsIdsKeptAsNumbersAndAsText() throws Exception {
        Path f = tmp.resolve("text-ids.sqlite");
        try (Connection conn = DriverManager.getConnection("jdbc:sqlite:" + f); Statement s = conn.createStatement()) {
            s.execute("CREATE TABLE people(id INTEGER PRIMARY KEY, email TEXT)");
            s.execute("CREATE TABLE log(who, what TEXT)");
            s.execute("INSERT INTO people VALUES (1, 'one@example.org'), (2, 'two@example.org')");
            s.execute("INSERT INTO log VALUES ('1', 'as text'), (1, 'as integer'), (2, 'other'), ('2', 'other text')");
        }
        SubjectEngine engine = new SubjectEngine(new SubjectSettings(
                SubjectReference.parseList("log.who->people.id"), Map.of(), 100));

        SubjectEraseReport report = engine.erase(f, new SubjectMatch.ByValue(
                SubjectPredicate.parse("people.email=one@example.org")), false, false);

        assertThat(effect(report, "log", "deleted").rows()).isEqualTo(2);
        assertThat(query(f, "SELECT what FROM log ORDER BY rowid")).containsExactly(List.of("other"),
                List.of("other text"));
    }

    @Test
    void aRedactPolicyThatWouldBlankAPrimaryKeyIsRefused() {
        SubjectSettings settings = new SubjectSettings(List.of(), Map.of("users", SubjectPolicy.parse("redact:id;name")),
                1000);
        assertThatThrownBy(() -> new SubjectEngine(settings).find(db, SubjectPredicate.parse(PREDICATE), false))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("subject.policy.users=redact:id;name: id is part of the primary key");
    }

    @Test
    void cyclesAndCompositeKeysEndAndEveryRowIsVisitedOnce() throws Exception {
        Path c = tmp.resolve("cycles.sqlite");
        try (Connection conn = DriverManager.getConnection("jdbc:sqlite:" + c); Statement s = conn.createStatement()) {
            s.execute("PRAGMA foreign_keys = ON");
            s.execute("CREATE TABLE a(id INTEGER PRIMARY KEY, owner TEXT, b_id INTEGER REFERENCES b(id)"
                    + " ON DELETE CASCADE DEFERRABLE INITIALLY DEFERRED)");
            s.execute("CREATE TABLE b(id INTEGER PRIMARY KEY, a_id INTEGER REFERENCES a(id) ON DELETE CASCADE"
                    + " DEFERRABLE INITIALLY DEFERRED)");
            s.execute("CREATE TABLE node(id INTEGER PRIMARY KEY, parent INTEGER REFERENCES node(id) ON DELETE CASCADE,"
                    + " a_id INTEGER REFERENCES a ON DELETE SET DEFAULT DEFAULT 99)");
            s.execute("BEGIN");
            s.execute("INSERT INTO a VALUES (1, 'subject', 1), (2, 'other', 2), (99, 'default', NULL)");
            s.execute("INSERT INTO b VALUES (1, 1), (2, 2)");
            s.execute("COMMIT");
            s.execute("INSERT INTO node VALUES (1, NULL, NULL), (2, 1, NULL), (3, 2, NULL), (4, 3, 1), (5, NULL, 1)");
            s.execute("UPDATE node SET parent = 3 WHERE id = 1"); // a cycle: 1 -> 2 -> 3 -> 1
        }
        SubjectEngine engine = new SubjectEngine(new SubjectSettings(
                SubjectReference.parseList("node.id->a.id"), Map.of(), 1000));

        SubjectFindResult found = engine.find(c, SubjectPredicate.parse("a.owner=subject"), false);
        Map<String, Integer> counts = new LinkedHashMap<>();
        found.tables().forEach(t -> counts.put(t.table(), t.rows().size()));
        // a1 <-> b1 is a cycle; node 1 through the reference, then 2, 3 and 4 down the cycle of parents;
        // node 5 only references a1 with SET DEFAULT.
        assertThat(counts).containsExactly(Map.entry("a", 1), Map.entry("b", 1), Map.entry("node", 5));

        SubjectEraseReport report = engine.erase(c, new SubjectMatch.ByValue(SubjectPredicate.parse("a.owner=subject")),
                false, false);
        assertThat(effect(report, "node", "deleted").rows()).isEqualTo(4);
        assertThat(effect(report, "node", "set-default").rows()).isEqualTo(1);
        assertThat(query(c, "SELECT id, a_id FROM node")).containsExactly(List.of("5", "99"));
        assertThat(query(c, "SELECT id FROM a ORDER BY id")).containsExactly(List.of("2"), List.of("99"));
        assertThat(query(c, "PRAGMA foreign_key_check")).isEmpty();
    }

    @Test
    void fts4TablesAndAWriteAheadLoggedDatabaseKeepNoTraceEither() throws Exception {
        Path f = tmp.resolve("fts4-wal.sqlite");
        try (Connection conn = DriverManager.getConnection("jdbc:sqlite:" + f); Statement s = conn.createStatement()) {
            s.execute("PRAGMA journal_mode = WAL");
            s.execute("CREATE TABLE people(id INTEGER PRIMARY KEY, email TEXT)");
            s.execute("CREATE TABLE notes(id INTEGER PRIMARY KEY, person INTEGER REFERENCES people ON DELETE CASCADE,"
                    + " body TEXT)");
            s.execute("CREATE VIRTUAL TABLE notes_fts USING fts4(body, content='notes')");
            s.execute("CREATE VIRTUAL TABLE bios USING fts4(bio)");
            s.execute("INSERT INTO people VALUES (1, 'p1.zqxjfour@erase.test'), (2, 'other@example.org')");
            s.execute("INSERT INTO notes VALUES (1, 1, 'zqxjnote secret'), (2, 2, 'public note')");
            s.execute("INSERT INTO notes_fts(notes_fts) VALUES ('rebuild')");
            s.execute("INSERT INTO bios(rowid, bio) VALUES (1, 'zqxjbiofour'), (2, 'plain bio')");
        }
        SubjectEngine engine = new SubjectEngine(new SubjectSettings(
                SubjectReference.parseList("bios.rowid->people.id"), Map.of(), 1000));

        SubjectEraseReport report = engine.erase(f, new SubjectMatch.ByValue(
                SubjectPredicate.parse("people.email=p1.zqxjfour@erase.test")), false, false);

        assertThat(report.total()).isEqualTo(3);
        assertThat(query(f, "SELECT count(*) FROM notes_fts WHERE notes_fts MATCH 'public'")).containsExactly(List.of("1"));
        assertThat(query(f, "SELECT count(*) FROM notes_fts WHERE notes_fts MATCH 'zqxjnote'")).containsExactly(List.of("0"));
        assertThat(query(f, "SELECT count(*) FROM bios WHERE bios MATCH 'plain'")).containsExactly(List.of("1"));
        Path wal = tmp.resolve("fts4-wal.sqlite-wal");
        for (String trace : List.of("zqxjfour", "zqxjnote", "zqxjbiofour")) {
            assertThat(indexOf(Files.readAllBytes(f), trace.getBytes(StandardCharsets.UTF_8))).as(trace).isEqualTo(-1);
            if (Files.exists(wal)) {
                assertThat(indexOf(Files.readAllBytes(wal), trace.getBytes(StandardCharsets.UTF_8))).as(trace)
                        .isEqualTo(-1);
            }
        }
        assertThat(query(f, "PRAGMA journal_mode")).containsExactly(List.of("wal"));
    }

    @Test
    void anErasureThatWouldBreakAForeignKeyIsRefusedAndChangesNothing() throws Exception {
        // SET DEFAULT to a parent that does not exist: SQLite would refuse the DELETE, and so does the erasure.
        Path f = tmp.resolve("broken.sqlite");
        try (Connection conn = DriverManager.getConnection("jdbc:sqlite:" + f); Statement s = conn.createStatement()) {
            s.execute("CREATE TABLE p(id INTEGER PRIMARY KEY, email TEXT)");
            s.execute("CREATE TABLE c(id INTEGER PRIMARY KEY, p_id INTEGER DEFAULT 7 REFERENCES p ON DELETE SET DEFAULT)");
            s.execute("INSERT INTO p VALUES (1, 'x@example.org')");
            s.execute("INSERT INTO c VALUES (1, 1)");
        }
        byte[] before = sha256(f);
        assertThatThrownBy(() -> new SubjectEngine(SubjectSettings.defaults())
                .erase(f, new SubjectMatch.ByValue(SubjectPredicate.parse("p.email=x@example.org")), false, false))
                .isInstanceOf(IllegalStateException.class).hasMessageContaining("nothing was changed")
                .hasMessageContaining("c row 1 -> p").hasMessageNotContaining("x@example.org");
        assertThat(sha256(f)).isEqualTo(before);

        // Redacting a column other rows reference by foreign key leaves them pointing at nothing: refused too.
        Path g = tmp.resolve("redacted-key.sqlite");
        try (Connection conn = DriverManager.getConnection("jdbc:sqlite:" + g); Statement s = conn.createStatement()) {
            s.execute("CREATE TABLE p(id INTEGER PRIMARY KEY, email TEXT UNIQUE)");
            s.execute("CREATE TABLE orders(id INTEGER PRIMARY KEY, email TEXT REFERENCES p(email))");
            s.execute("INSERT INTO p VALUES (1, 'x@example.org')");
            s.execute("INSERT INTO orders VALUES (5, 'x@example.org')");
        }
        byte[] beforeRedact = sha256(g);
        SubjectSettings redact = new SubjectSettings(List.of(), Map.of("p", SubjectPolicy.parse("redact:email")), 10);
        assertThatThrownBy(() -> new SubjectEngine(redact)
                .erase(g, new SubjectMatch.ByValue(SubjectPredicate.parse("p.email=x@example.org")), false, false))
                .isInstanceOf(IllegalStateException.class).hasMessageContaining("orders row 5 -> p (orders.email -> p.email)");
        assertThat(sha256(g)).isEqualTo(beforeRedact);
    }

    private static String via(SubjectFindResult found, String table) {
        return found.tables().stream().filter(t -> t.table().equals(table)).findFirst().orElseThrow().via();
    }

    private static TableEffect effect(SubjectEraseReport report, String table, String action) {
        return report.effects().stream().filter(e -> e.table().equals(table) && e.action().equals(action))
                .findFirst().orElseThrow(() -> new AssertionError("no effect " + table + " " + action + ": "
                        + report.effects()));
    }

    private List<List<String>> rowsByKey(String table, Set<String> keys) throws SQLException {
        String key = SubjectFixture.KEYS.get(table);
        try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + db)) {
            Map<String, List<String>> all = SubjectFixture.rows(c, "SELECT " + key + ", * FROM "
                    + SubjectFixture.quote(table));
            return keys.stream().map(all::get).toList();
        }
    }

    private int ftsMatches(String table, String words) throws SQLException {
        try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + db);
             PreparedStatement p = c.prepareStatement("SELECT count(*) FROM " + table + " WHERE " + table
                     + " MATCH ?")) {
            p.setString(1, "\"" + words.replace("\"", "\"\"") + "\"");
            try (ResultSet rs = p.executeQuery()) {
                rs.next();
                return rs.getInt(1);
            }
        }
    }

    private List<List<String>> query(String sql) throws SQLException {
        return query(db, sql);
    }

    private static List<List<String>> query(Path file, String sql) throws SQLException {
        List<List<String>> rows = new ArrayList<>();
        try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + file); Statement s = c.createStatement()) {
            if (s.execute(sql)) {
                try (ResultSet rs = s.getResultSet()) {
                    while (rs.next()) {
                        List<String> row = new ArrayList<>();
                        for (int i = 1; i <= rs.getMetaData().getColumnCount(); i++) {
                            row.add(rs.getString(i));
                        }
                        rows.add(row);
                    }
                }
            }
        }
        return rows;
    }

    private static byte[] sha256(Path file) throws Exception {
        return MessageDigest.getInstance("SHA-256").digest(Files.readAllBytes(file));
    }

    private static int indexOf(byte[] haystack, byte[] needle) {
        outer:
        for (int i = 0; i + needle.length <= haystack.length; i++) {
            for (int j = 0; j < needle.length; j++) {
                if (haystack[i + j] != needle[j]) {
                    continue outer;
                }
            }
            return i;
        }
        return -1;
    }
}
