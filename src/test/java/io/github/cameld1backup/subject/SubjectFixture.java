package io.github.cameld1backup.subject;

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
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * A database of users and what they write, built with foreign keys enforced so that it is consistent:
 * posts (ON DELETE CASCADE to users, replies CASCADE to their post), comments (CASCADE to posts, RESTRICT
 * to their author), sessions (SET NULL, to the users' implicit primary key), users invited by users (SET
 * NULL), an audit table holding users' ids with no foreign key and no declared type, attachments in a
 * WITHOUT ROWID table with a quoted non-ASCII name and reactions to them by a composite key, an
 * external-content FTS5 index over posts kept by triggers, one over comments with no triggers, and a
 * contentful FTS5 table of profiles whose rowid is the user's id (no trigger). Alice is the subject; her id is above 2^53.
 */
final class SubjectFixture {

    static final long ALICE = 9_007_199_254_740_993L;
    static final String EMAIL = "alice.zqxjmail@erase.test";
    static final String EMAIL_COLUMN = "E-Mail ü";
    static final String PREDICATE = "users.\"E-Mail ü\"=" + EMAIL;
    static final String ATTACHMENTS = "Anhänge \"x\"";
    /**
     * Words only the rows erasing Alice deletes hold: none may survive anywhere in the file. (Her session's
     * token stays: the schema says ON DELETE SET NULL, so the session is kept, no longer hers.)
     */
    static final List<String> TRACES = List.of(EMAIL, "zqxjname", "zqxjdiary", "zqxjrecipe", "zqxjcomment",
            "zqxjbio", "zqxjblob", "zqxjaudit");

    /** Table -> how its rows are told apart (rowid, or the primary key of the WITHOUT ROWID table). */
    static final Map<String, String> KEYS = new LinkedHashMap<>();

    static {
        KEYS.put("users", "rowid");
        KEYS.put("posts", "rowid");
        KEYS.put("comments", "rowid");
        KEYS.put("sessions", "rowid");
        KEYS.put("audit", "rowid");
        KEYS.put(ATTACHMENTS, "post || '/' || nr");
        KEYS.put("reactions", "rowid");
        KEYS.put("profile_fts", "rowid");
        KEYS.put("settings", "rowid");
    }

    private SubjectFixture() {
    }

    static void create(Path db) throws SQLException {
        try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + db); Statement s = c.createStatement()) {
            s.execute("PRAGMA foreign_keys = ON");
            s.execute("CREATE TABLE users(id INTEGER PRIMARY KEY, \"E-Mail ü\" TEXT UNIQUE, name TEXT,"
                    + " invited_by INTEGER REFERENCES users(id) ON DELETE SET NULL, avatar BLOB)");
            s.execute("CREATE TABLE posts(id INTEGER PRIMARY KEY, user_id INTEGER NOT NULL REFERENCES users(id)"
                    + " ON DELETE CASCADE, parent_post INTEGER REFERENCES posts(id) ON DELETE CASCADE, title TEXT,"
                    + " body TEXT, score REAL)");
            s.execute("CREATE TABLE comments(id INTEGER PRIMARY KEY, post_id INTEGER REFERENCES posts(id)"
                    + " ON DELETE CASCADE, author_id INTEGER REFERENCES users(id) ON DELETE RESTRICT, text TEXT)");
            s.execute("CREATE TABLE sessions(token TEXT PRIMARY KEY, user_id INTEGER REFERENCES users"
                    + " ON DELETE SET NULL, started TEXT)");
            s.execute("CREATE TABLE audit(at, user_id, action)");
            s.execute("CREATE TABLE \"Anhänge \"\"x\"\"\"(post INTEGER REFERENCES posts(id) ON DELETE CASCADE,"
                    + " nr INTEGER, data BLOB, big INTEGER, PRIMARY KEY(post, nr)) WITHOUT ROWID");
            s.execute("CREATE TABLE reactions(id INTEGER PRIMARY KEY, post INTEGER, nr INTEGER, emoji TEXT,"
                    + " FOREIGN KEY(post, nr) REFERENCES \"Anhänge \"\"x\"\"\"(post, nr) ON DELETE CASCADE)");
            s.execute("CREATE TABLE settings(name TEXT, value TEXT)");
            s.execute("CREATE VIRTUAL TABLE posts_fts USING fts5(title, body, content='posts', content_rowid='id')");
            s.execute("CREATE TRIGGER posts_ai AFTER INSERT ON posts BEGIN INSERT INTO posts_fts(rowid, title, body)"
                    + " VALUES (new.id, new.title, new.body); END");
            s.execute("CREATE TRIGGER posts_ad AFTER DELETE ON posts BEGIN INSERT INTO posts_fts(posts_fts, rowid,"
                    + " title, body) VALUES ('delete', old.id, old.title, old.body); END");
            s.execute("CREATE TRIGGER posts_au AFTER UPDATE ON posts BEGIN INSERT INTO posts_fts(posts_fts, rowid,"
                    + " title, body) VALUES ('delete', old.id, old.title, old.body); INSERT INTO posts_fts(rowid,"
                    + " title, body) VALUES (new.id, new.title, new.body); END");
            s.execute("CREATE VIRTUAL TABLE profile_fts USING fts5(bio)");
            // External content with no triggers: indexed once, so only a rebuild makes it forget deleted comments.
            s.execute("CREATE VIRTUAL TABLE comments_fts USING fts5(text, content='comments', content_rowid='id')");

            insert(c, "INSERT INTO users VALUES (?, ?, ?, ?, ?)",
                    List.of(ALICE, EMAIL, "Alice zqxjname", nul(), "zqxjblob avatar".getBytes()),
                    List.of(2L, "bob@example.org", "Bob", ALICE, nul()),
                    List.of(3L, "carol@example.org", "Carol", 2L, new byte[] {0, 1, 2}));
            insert(c, "INSERT INTO posts VALUES (?, ?, ?, ?, ?, ?)",
                    List.of(10L, ALICE, nul(), "Diary", "my zqxjdiary entry", Double.POSITIVE_INFINITY),
                    List.of(11L, ALICE, nul(), "Recipes", "zqxjrecipe soup", 2.5),
                    List.of(20L, 2L, nul(), "Bob's post", "hello world", nul()),
                    List.of(21L, 2L, 10L, "Re: Diary", "nice diary", nul()),
                    List.of(30L, 3L, 20L, "Re: Bob", "carol replies", 0.0));
            insert(c, "INSERT INTO comments VALUES (?, ?, ?, ?)",
                    List.of(100L, 20L, ALICE, "alice says zqxjcomment"),
                    List.of(101L, 10L, 2L, "bob on the diary"),
                    List.of(102L, 20L, 3L, "carol on bob"),
                    List.of(103L, 21L, 3L, "carol on the reply"));
            insert(c, "INSERT INTO sessions VALUES (?, ?, ?)",
                    List.of("alice-token", ALICE, "2026-01-01"),
                    List.of("bob-token", 2L, "2026-01-02"));
            insert(c, "INSERT INTO audit VALUES (?, ?, ?)",
                    List.of("t1", ALICE, "login zqxjaudit"),
                    List.of("t2", 2L, "login"),
                    List.of("t3", ALICE, "export zqxjaudit"));
            insert(c, "INSERT INTO \"Anhänge \"\"x\"\"\" VALUES (?, ?, ?, ?)",
                    List.of(10L, 1L, "zqxjblob photo".getBytes(), Long.MAX_VALUE),
                    List.of(20L, 1L, new byte[] {(byte) 0xCA, (byte) 0xFE}, Long.MIN_VALUE));
            insert(c, "INSERT INTO reactions VALUES (?, ?, ?, ?)",
                    List.of(1L, 10L, 1L, "👍"),
                    List.of(2L, 20L, 1L, "🎉"));
            insert(c, "INSERT INTO settings VALUES (?, ?)", List.of("theme", "dark"));
            s.execute("INSERT INTO comments_fts(comments_fts) VALUES ('rebuild')");
            insert(c, "INSERT INTO profile_fts(rowid, bio) VALUES (?, ?)",
                    List.of(ALICE, "alice zqxjbio likes cats"),
                    List.of(2L, "bob likes dogs"));
            // sqlite_stat4 keeps samples of index keys: the e-mail among them.
            s.execute("ANALYZE");
            try (ResultSet rs = s.executeQuery("PRAGMA foreign_key_check")) {
                if (rs.next()) {
                    throw new IllegalStateException("fixture breaks its own foreign keys");
                }
            }
        }
    }

    private static Object nul() {
        return NULL;
    }

    private static final Object NULL = new Object();

    @SafeVarargs
    private static void insert(Connection c, String sql, List<Object>... rows) throws SQLException {
        try (PreparedStatement p = c.prepareStatement(sql)) {
            for (List<Object> row : rows) {
                for (int i = 0; i < row.size(); i++) {
                    Object v = row.get(i);
                    if (v == NULL) {
                        p.setNull(i + 1, java.sql.Types.NULL);
                    } else {
                        p.setObject(i + 1, v);
                    }
                }
                p.executeUpdate();
            }
        }
    }

    /** Every table's rows by key, values as comparable text (BLOBs in hex, types kept). */
    static Map<String, Map<String, List<String>>> snapshot(Path db) throws SQLException {
        Map<String, Map<String, List<String>>> out = new LinkedHashMap<>();
        try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + db)) {
            for (Map.Entry<String, String> table : KEYS.entrySet()) {
                out.put(table.getKey(), rows(c, "SELECT " + table.getValue() + ", * FROM " + quote(table.getKey())));
            }
        }
        return out;
    }

    /** Keys (as {@link #snapshot} gives them) that a query answers, one key per row. */
    static Set<String> keys(Path db, String sql) throws SQLException {
        try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + db)) {
            return rows(c, sql).keySet();
        }
    }

    static Map<String, List<String>> rows(Connection c, String sql) throws SQLException {
        Map<String, List<String>> rows = new LinkedHashMap<>();
        try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery(sql)) {
            ResultSetMetaData meta = rs.getMetaData();
            while (rs.next()) {
                List<String> values = new ArrayList<>();
                for (int i = 2; i <= meta.getColumnCount(); i++) {
                    values.add(text(rs.getObject(i)));
                }
                rows.put(String.valueOf(rs.getObject(1)), values);
            }
        }
        return rows;
    }

    static String text(Object v) {
        if (v == null) {
            return "NULL";
        }
        if (v instanceof byte[] b) {
            return "X'" + HexFormat.of().formatHex(b) + "'";
        }
        if (v instanceof Integer i) {
            return "long:" + i;
        }
        return v.getClass().getSimpleName().toLowerCase() + ":" + v;
    }

    static String quote(String name) {
        return '"' + name.replace("\"", "\"\"") + '"';
    }

    /**
     * The rows erasing Alice must delete, found independently of the engine with one hand-written query
     * per table (posts: hers and, recursively, replies to them).
     */
    static Map<String, Set<String>> expectedDeleted(Path db, boolean withReferences) throws SQLException {
        String posts = "WITH RECURSIVE p(id) AS (SELECT id FROM posts WHERE user_id = " + ALICE
                + " UNION SELECT posts.id FROM posts JOIN p ON posts.parent_post = p.id) SELECT id FROM p";
        Map<String, Set<String>> out = new LinkedHashMap<>();
        out.put("users", keys(db, "SELECT rowid, 0 FROM users WHERE id = " + ALICE));
        out.put("posts", keys(db, "SELECT id, 0 FROM posts WHERE id IN (" + posts + ")"));
        out.put("comments", keys(db, "SELECT id, 0 FROM comments WHERE author_id = " + ALICE
                + " OR post_id IN (" + posts + ")"));
        out.put(ATTACHMENTS, keys(db, "SELECT post || '/' || nr, 0 FROM " + quote(ATTACHMENTS)
                + " WHERE post IN (" + posts + ")"));
        out.put("reactions", keys(db, "SELECT r.id, 0 FROM reactions r JOIN " + quote(ATTACHMENTS)
                + " a ON a.post = r.post AND a.nr = r.nr WHERE a.post IN (" + posts + ")"));
        if (withReferences) {
            out.put("audit", keys(db, "SELECT rowid, 0 FROM audit WHERE user_id = " + ALICE));
            out.put("profile_fts", keys(db, "SELECT rowid, 0 FROM profile_fts WHERE rowid = " + ALICE));
        }
        return out;
    }

    /** Rows that only reference Alice through ON DELETE SET NULL: kept, the reference set to NULL. */
    static Map<String, Set<String>> expectedSetNull(Path db) throws SQLException {
        Map<String, Set<String>> out = new LinkedHashMap<>();
        out.put("users", keys(db, "SELECT rowid, 0 FROM users WHERE invited_by = " + ALICE));
        out.put("sessions", keys(db, "SELECT rowid, 0 FROM sessions WHERE user_id = " + ALICE));
        return out;
    }

    static Set<String> union(Map<String, Set<String>> a) {
        Set<String> out = new LinkedHashSet<>();
        a.forEach((table, keys) -> keys.forEach(k -> out.add(table + "#" + k)));
        return out;
    }
}
