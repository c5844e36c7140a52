package io.github.cameld1backup.bench;

import io.github.cameld1backup.subject.SubjectEngine;
import io.github.cameld1backup.subject.SubjectEraseReport;
import io.github.cameld1backup.subject.SubjectFindResult;
import io.github.cameld1backup.subject.SubjectKey;
import io.github.cameld1backup.subject.SubjectMatch;
import io.github.cameld1backup.subject.SubjectPredicate;
import io.github.cameld1backup.subject.SubjectReference;
import io.github.cameld1backup.subject.SubjectSettings;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Benchmark, not a test (bench/subject.sh): users, posts (external-content FTS5 kept by triggers),
 * comments, sessions and an audit table without foreign keys, N posts in all. Times, on copies of the
 * same file: find for one user; erase of one user by value; erase of 20 users by keyed hash in one
 * transaction (what applying an erasure ledger to a restored backup costs); the file size before and after.
 */
public final class SubjectBenchmark {

    public static void main(String[] args) throws Exception {
        int posts = args.length > 0 ? Integer.parseInt(args[0]) : 1_000_000;
        Path work = Path.of(args.length > 1 ? args[1] : "bench/work/subject").toAbsolutePath();
        Files.createDirectories(work);
        int users = Math.max(100, posts / 20);
        Path seed = work.resolve("social-" + posts + ".db");
        if (!Files.exists(seed)) {
            long start = System.nanoTime();
            create(seed, users, posts);
            System.out.printf("created %s in %.1f s%n", seed.getFileName(), (System.nanoTime() - start) / 1e9);
        }
        System.out.printf("%d users, %d posts, %d comments, %d sessions, %d audit rows: %d MB on disk%n", users, posts,
                posts * 2, users, posts, Files.size(seed) / 1_000_000);
        SubjectEngine engine = new SubjectEngine(new SubjectSettings(
                SubjectReference.parseList("audit.user_id->users.id"), Map.of(), 1000));
        SubjectPredicate one = SubjectPredicate.parse("users.email=user" + (users / 2) + "@example.org");

        long start = System.nanoTime();
        SubjectFindResult found = engine.find(seed, one, false);
        report("find one user", start, found.rows() + " rows");

        Path copy = work.resolve("erase.db");
        Files.copy(seed, copy, StandardCopyOption.REPLACE_EXISTING);
        start = System.nanoTime();
        SubjectEraseReport dry = engine.erase(copy, new SubjectMatch.ByValue(one), false, true);
        report("erase one user, dry run", start, dry.total() + " rows");
        start = System.nanoTime();
        SubjectEraseReport erased = engine.erase(copy, new SubjectMatch.ByValue(one), false, false);
        report("erase one user (FTS rebuild + optimize)", start, erased.total() + " rows, file "
                + Files.size(copy) / 1_000_000 + " MB");

        Files.copy(seed, copy, StandardCopyOption.REPLACE_EXISTING);
        SubjectKey key = SubjectKey.of("benchmark subject key, 32 bytes.".getBytes(StandardCharsets.US_ASCII));
        List<SubjectMatch> ledger = new ArrayList<>();
        for (int i = 1; i <= 20; i++) {
            ledger.add(new SubjectMatch.ByHash("users", "email",
                    Set.of(key.hash("user" + (i * users / 21) + "@example.org")), key));
        }
        start = System.nanoTime();
        List<SubjectEraseReport> reports = engine.erase(copy, ledger, false, false);
        report("erase 20 users by keyed hash, one transaction", start,
                reports.stream().mapToInt(SubjectEraseReport::total).sum() + " rows");
    }

    private static void report(String what, long start, String detail) {
        System.out.printf("  %-48s %8.2f s   %s%n", what, (System.nanoTime() - start) / 1e9, detail);
    }

    private static void create(Path db, int users, int posts) throws Exception {
        try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + db); Statement s = c.createStatement()) {
            s.execute("PRAGMA journal_mode = OFF");
            s.execute("PRAGMA synchronous = OFF");
            s.execute("CREATE TABLE users(id INTEGER PRIMARY KEY, email TEXT UNIQUE, name TEXT)");
            s.execute("CREATE TABLE posts(id INTEGER PRIMARY KEY, user_id INTEGER NOT NULL REFERENCES users"
                    + " ON DELETE CASCADE, title TEXT, body TEXT)");
            s.execute("CREATE INDEX posts_user ON posts(user_id)");
            s.execute("CREATE TABLE comments(id INTEGER PRIMARY KEY, post_id INTEGER REFERENCES posts"
                    + " ON DELETE CASCADE, author_id INTEGER REFERENCES users ON DELETE RESTRICT, text TEXT)");
            s.execute("CREATE INDEX comments_post ON comments(post_id)");
            s.execute("CREATE INDEX comments_author ON comments(author_id)");
            s.execute("CREATE TABLE sessions(token TEXT PRIMARY KEY, user_id INTEGER REFERENCES users"
                    + " ON DELETE SET NULL)");
            s.execute("CREATE TABLE audit(at TEXT, user_id INTEGER, action TEXT)");
            s.execute("CREATE VIRTUAL TABLE posts_fts USING fts5(title, body, content='posts', content_rowid='id')");
            s.execute("CREATE TRIGGER posts_ad AFTER DELETE ON posts BEGIN INSERT INTO posts_fts(posts_fts, rowid,"
                    + " title, body) VALUES ('delete', old.id, old.title, old.body); END");
            s.execute("BEGIN");
            s.execute("WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < " + users + ")"
                    + " INSERT INTO users SELECT i, 'user' || i || '@example.org', 'User ' || i FROM n");
            s.execute("WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < " + posts + ")"
                    + " INSERT INTO posts SELECT i, 1 + abs(random()) % " + users + ", 'title ' || i,"
                    + " 'body of post ' || i || ' word' || (i % 5000) || ' ' || hex(randomblob(20)) FROM n");
            s.execute("WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < " + (2 * posts) + ")"
                    + " INSERT INTO comments SELECT i, 1 + abs(random()) % " + posts + ", 1 + abs(random()) % "
                    + users + ", 'comment ' || i FROM n");
            s.execute("INSERT INTO sessions SELECT hex(randomblob(16)), id FROM users");
            s.execute("WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < " + posts + ")"
                    + " INSERT INTO audit SELECT datetime(1700000000 + i, 'unixepoch'), 1 + abs(random()) % " + users
                    + ", 'login' FROM n");
            s.execute("INSERT INTO posts_fts(posts_fts) VALUES ('rebuild')");
            s.execute("COMMIT");
        }
    }
}
