package io.github.cameld1backup.incremental;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.List;
import java.util.Map;

/**
 * A database shaped like the ones incrementals are for: users with a modification time, posts
 * appended by key (AUTOINCREMENT), with a full-text index kept by triggers, an audit table filled by
 * a trigger, a lookup table with a quoted non-ASCII name and a text key, a WITHOUT ROWID table, values
 * near the limits. {@link #changes} then inserts, updates (the watermark too), deletes, and re-inserts
 * a deleted key.
 */
final class IncrementalFixture {

    /** backup.incremental.tables for this database. */
    static final String STRATEGIES = "users:updated_at,posts:id";

    private IncrementalFixture() {
    }

    static final List<String> SCHEMA = List.of(
            "CREATE TABLE users(id INTEGER PRIMARY KEY, email TEXT UNIQUE, name TEXT, balance REAL, updated_at INTEGER NOT NULL)",
            "CREATE INDEX users_updated ON users(updated_at)",
            "CREATE TABLE posts(id INTEGER PRIMARY KEY AUTOINCREMENT, user_id INTEGER REFERENCES users(id) ON DELETE CASCADE,"
                    + " body TEXT, data BLOB, big INTEGER)",
            "CREATE TABLE \"tags é\"(\"name;\" TEXT PRIMARY KEY, note TEXT)",
            "CREATE TABLE kv(k TEXT PRIMARY KEY, v) WITHOUT ROWID",
            "CREATE TABLE audit(id INTEGER PRIMARY KEY, what TEXT)",
            "CREATE VIRTUAL TABLE posts_fts USING fts5(body, content='posts', content_rowid='id')",
            "CREATE TRIGGER posts_ai AFTER INSERT ON posts BEGIN INSERT INTO posts_fts(rowid, body) VALUES (new.id, new.body); END",
            "CREATE TRIGGER posts_ad AFTER DELETE ON posts BEGIN INSERT INTO posts_fts(posts_fts, rowid, body)"
                    + " VALUES('delete', old.id, old.body); END",
            "CREATE TRIGGER users_au AFTER UPDATE ON users BEGIN INSERT INTO audit(what) VALUES ('updated ' || new.id); END");

    static Path create(Path dir, String name, int users) throws SQLException {
        Path db = dir.resolve(name + ".db");
        try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + db); Statement s = c.createStatement()) {
            for (String sql : SCHEMA) {
                s.execute(sql);
            }
            s.execute("INSERT INTO users WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < " + users
                    + ") SELECT i, 'user' || i || '@example.com', 'Zoë ' || i, i * 0.1, 1000 + i FROM n");
            s.execute("INSERT INTO posts(user_id, body, data, big) SELECT id, 'first post of ' || name || ' ''quoted'' ;',"
                    + " randomblob(id % 50), 9223372036854775807 - id FROM users");
            s.execute("INSERT INTO posts(user_id, body, data, big) SELECT id, 'second post ' || id, NULL, -9223372036854775808"
                    + " FROM users WHERE id % 3 = 0");
            s.execute("INSERT INTO \"tags é\" VALUES ('a;b', 'semi'), ('ü', 'umlaut'), ('plain', NULL)");
            s.execute("INSERT INTO kv VALUES ('x', 1), ('y', X'00ff'), ('z', 2.5)");
        }
        return db;
    }

    /** Every kind of change an incremental has to carry, {@code round} making each round's different. */
    static void changes(Path db, int round) throws SQLException {
        try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + db); Statement s = c.createStatement()) {
            s.execute("PRAGMA foreign_keys = ON");
            for (String sql : changeStatements(round)) {
                s.execute(sql);
            }
        }
    }

    /**
     * The statements of {@link #changes}, in order, for any engine that runs them with foreign keys on
     * (JDBC above, or D1's /query, where they always are).
     */
    static List<String> changeStatements(int round) {
        long time = 100_000L * round;
        return List.of(
                // Inserts: new users and posts.
                "INSERT INTO users(email, name, balance, updated_at) VALUES ('new" + round + "@example.com', 'Ñew "
                        + round + "', 1e308, " + (time + 1) + ")",
                "INSERT INTO posts(user_id, body, data, big) VALUES ((SELECT max(id) FROM users), 'hello " + round
                        + "', X'000102', 42)",
                // Updates of users, with their modification time; one of the watermark column only.
                "UPDATE users SET name = name || ' (edited " + round + ")', balance = -0.0, updated_at = " + (time + 2)
                        + " WHERE id IN (2, 7)",
                "UPDATE users SET updated_at = " + (time + 3) + " WHERE id = 3",
                // An update of a post's key, its watermark: the row moves to a new key.
                "UPDATE posts SET id = (SELECT max(id) FROM posts) + 10 WHERE id = (SELECT min(id) FROM posts"
                        + " WHERE user_id = 4)",
                // Deletes: a user (their posts go by cascade) and a post on its own.
                "DELETE FROM users WHERE id = " + (10 + round),
                "DELETE FROM posts WHERE id = (SELECT max(id) FROM posts WHERE user_id = 6)",
                // A deleted key used again.
                "DELETE FROM users WHERE id = 5",
                "INSERT INTO users VALUES (5, 'again" + round + "@example.com', 'Back " + round + "', 5.5, "
                        + (time + 4) + ")",
                // Tables without a strategy change too.
                "UPDATE \"tags é\" SET note = 'changed " + round + "' WHERE \"name;\" = 'ü'",
                "DELETE FROM \"tags é\" WHERE \"name;\" = 'plain'",
                "INSERT OR REPLACE INTO \"tags é\" VALUES ('plain', 'round " + round + "')",
                "INSERT OR REPLACE INTO kv VALUES ('r" + round + "', " + round + ")",
                "DELETE FROM kv WHERE k = 'x'");
    }

    static Map<String, String> strategies(Map<String, String> settings) {
        settings.put("backup.incremental.tables", STRATEGIES);
        return settings;
    }
}
