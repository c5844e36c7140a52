package io.github.cameld1backup.subject;

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
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * A database of people, as data-subject requests meet them: users; their posts, searchable through an
 * external-content FTS5 table kept by triggers; comments (on posts, and by users, ON DELETE SET NULL);
 * sessions (WITHOUT ROWID); and an audit table that holds users' ids with no foreign key. One user, the
 * subject, has an e-mail address and words found nowhere else, so a dump can be searched for them.
 */
final class PeopleFixture {

    static final String EMAIL = "zoë.subject@example.org";
    static final String MARKER = "quixotrymarker";
    static final String NAME = "Zoë Subjectname";
    static final long SUBJECT_ID = 7;
    /** The implicit reference the audit table needs: it holds users' ids without a foreign key. */
    static final String REFERENCES = "audit.user_id->users.id";
    static final List<String> TABLES = List.of("users", "posts", "comments", "sessions", "audit");

    private PeopleFixture() {
    }

    static Path create(Path dir) throws SQLException {
        Path db = dir.resolve("people.db");
        try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + db); Statement s = c.createStatement()) {
            s.execute("CREATE TABLE users (id INTEGER PRIMARY KEY, email TEXT NOT NULL UNIQUE, name TEXT, avatar BLOB,"
                    + " score REAL)");
            s.execute("CREATE TABLE posts (id INTEGER PRIMARY KEY, user_id INTEGER NOT NULL REFERENCES users(id)"
                    + " ON DELETE CASCADE, title TEXT, body TEXT)");
            s.execute("CREATE INDEX posts_user ON posts(user_id)");
            s.execute("CREATE TABLE comments (id INTEGER PRIMARY KEY, post_id INTEGER NOT NULL REFERENCES posts(id)"
                    + " ON DELETE CASCADE, user_id INTEGER REFERENCES users(id) ON DELETE SET NULL, body TEXT)");
            s.execute("CREATE TABLE sessions (token TEXT PRIMARY KEY, user_id INTEGER NOT NULL REFERENCES users(id)"
                    + " ON DELETE CASCADE, created TEXT) WITHOUT ROWID");
            s.execute("CREATE TABLE audit (id INTEGER PRIMARY KEY, user_id INTEGER, action TEXT)");
            s.execute("CREATE VIRTUAL TABLE posts_fts USING fts5(title, body, content='posts', content_rowid='id')");
            s.execute("CREATE TRIGGER posts_ai AFTER INSERT ON posts BEGIN INSERT INTO posts_fts(rowid, title, body)"
                    + " VALUES (new.id, new.title, new.body); END");
            s.execute("CREATE TRIGGER posts_ad AFTER DELETE ON posts BEGIN INSERT INTO posts_fts(posts_fts, rowid, title,"
                    + " body) VALUES ('delete', old.id, old.title, old.body); END");
            s.execute("CREATE TRIGGER posts_au AFTER UPDATE ON posts BEGIN INSERT INTO posts_fts(posts_fts, rowid, title,"
                    + " body) VALUES ('delete', old.id, old.title, old.body); INSERT INTO posts_fts(rowid, title, body)"
                    + " VALUES (new.id, new.title, new.body); END");
            c.setAutoCommit(false);
            try (PreparedStatement user = c.prepareStatement("INSERT INTO users VALUES (?, ?, ?, ?, ?)")) {
                for (long id = 1; id <= 30; id++) {
                    user.setLong(1, id);
                    user.setString(2, id == SUBJECT_ID ? EMAIL : "user" + id + "@example.com");
                    user.setString(3, id == SUBJECT_ID ? NAME : "Ünïcode user " + id);
                    user.setBytes(4, new byte[] {0, (byte) id, (byte) 0xff, 0x27});
                    user.setDouble(5, id / 3.0);
                    user.addBatch();
                }
                user.executeBatch();
            }
            for (long id = 1; id <= 30; id++) {
                post(c, id, "post of " + id, id == SUBJECT_ID ? "my " + MARKER + " diary" : "ordinary words " + id);
                post(c, id, "second post of " + id, "more ordinary words");
                s.execute("INSERT INTO sessions VALUES ('token-" + id + "', " + id + ", '2026-12-0" + (id % 9 + 1) + "')");
                s.execute("INSERT INTO audit (user_id, action) VALUES (" + id + ", 'login'), (" + id + ", 'logout')");
            }
            for (long id = 1; id <= 60; id++) {
                long author = id % 11 + 1; // the subject comments on others' posts, and others on the subject's
                s.execute("INSERT INTO comments (post_id, user_id, body) VALUES (" + id + ", " + author
                        + ", 'comment " + id + "')");
            }
            c.commit();
        }
        return db;
    }

    /** A round of changes between backups: the subject writes again, others change. */
    static void change(Path db, int round) throws SQLException {
        try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + db); Statement s = c.createStatement()) {
            post(c, SUBJECT_ID, "round " + round, MARKER + " round " + round);
            post(c, 3, "round " + round + " by 3", "words of round " + round);
            s.execute("INSERT INTO comments (post_id, user_id, body) VALUES (4, " + SUBJECT_ID + ", 'round " + round + "')");
            s.execute("UPDATE users SET score = score + " + round + " WHERE id = 2");
            s.execute("INSERT INTO audit (user_id, action) VALUES (" + SUBJECT_ID + ", 'round " + round + "')");
            s.execute("DELETE FROM audit WHERE id = " + round);
        }
    }

    private static void post(Connection c, long user, String title, String body) throws SQLException {
        try (PreparedStatement p = c.prepareStatement("INSERT INTO posts (user_id, title, body) VALUES (?, ?, ?)")) {
            p.setLong(1, user);
            p.setString(2, title);
            p.setString(3, body);
            p.executeUpdate();
        }
    }

    /**
     * The oracle of an erasure: a copy of {@code db} with the subject deleted by SQLite itself, its foreign keys
     * enforced (CASCADE, SET NULL) and its triggers keeping the full-text index, plus the audit rows the
     * implicit reference names.
     */
    static Path erasedBySqlite(Path db, Path copy) throws Exception {
        Files.copy(db, copy);
        try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + copy); Statement s = c.createStatement()) {
            s.execute("PRAGMA foreign_keys = ON");
            s.execute("DELETE FROM audit WHERE user_id = " + SUBJECT_ID);
            try (PreparedStatement p = c.prepareStatement("DELETE FROM users WHERE email = ?")) {
                p.setString(1, EMAIL);
                p.executeUpdate();
            }
        }
        return copy;
    }

    /** The subject's rows and what references them, per table, by SQLite's own queries: the oracle of find. */
    static Map<String, TreeSet<String>> subjectRowsBySqlite(Path db) throws SQLException {
        Map<String, String> queries = Map.of(
                "users", "SELECT * FROM users WHERE id = 7",
                "posts", "SELECT * FROM posts WHERE user_id = 7",
                "comments", "SELECT * FROM comments WHERE user_id = 7 OR post_id IN (SELECT id FROM posts WHERE user_id = 7)",
                "sessions", "SELECT * FROM sessions WHERE user_id = 7",
                "audit", "SELECT * FROM audit WHERE user_id = 7");
        Map<String, TreeSet<String>> out = new TreeMap<>();
        try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + db); Statement s = c.createStatement()) {
            for (var q : queries.entrySet()) {
                TreeSet<String> rows = new TreeSet<>();
                try (ResultSet rs = s.executeQuery(q.getValue())) {
                    ResultSetMetaData meta = rs.getMetaData();
                    while (rs.next()) {
                        List<String> row = new ArrayList<>();
                        for (int i = 1; i <= meta.getColumnCount(); i++) {
                            row.add(meta.getColumnName(i) + "=" + text(rs.getObject(i)));
                        }
                        rows.add(String.join(", ", row));
                    }
                }
                if (!rows.isEmpty()) {
                    out.put(q.getKey(), rows);
                }
            }
        }
        return out;
    }

    /** A value with its type, the way both oracles and reports are compared. */
    static String text(Object value) {
        if (value == null) {
            return "NULL";
        }
        if (value instanceof byte[] b) {
            return "x'" + HexFormat.of().formatHex(b) + "'";
        }
        if (value instanceof Integer || value instanceof Long) {
            return "int " + ((Number) value).longValue();
        }
        if (value instanceof Double || value instanceof Float) {
            return "real " + ((Number) value).doubleValue();
        }
        return "text " + value;
    }
}
