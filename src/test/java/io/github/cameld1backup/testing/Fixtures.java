package io.github.cameld1backup.testing;

import io.github.cameld1backup.sql.SqlScript;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Statement;

/** Builds test databases from the SQL scripts under src/test/resources/fixtures. */
public final class Fixtures {

    private Fixtures() {
    }

    public static Path create(String fixture, Path dir) throws IOException, SQLException {
        Path db = dir.resolve(fixture + ".db");
        try (InputStream in = Fixtures.class.getResourceAsStream("/fixtures/" + fixture + ".sql");
             Connection c = DriverManager.getConnection("jdbc:sqlite:" + db);
             Statement s = c.createStatement()) {
            if (in == null) {
                throw new IllegalArgumentException("no fixture " + fixture);
            }
            SqlScript statements = new SqlScript(new InputStreamReader(in, StandardCharsets.UTF_8));
            while (statements.hasNext()) {
                s.execute(statements.next());
            }
        }
        return db;
    }

    /** A table of {@code rows} narrow rows, for paging and rows-read counts. */
    public static Path manyRows(Path dir, String name, int rows) throws SQLException {
        Path db = dir.resolve(name + ".db");
        try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + db); Statement s = c.createStatement()) {
            s.execute("CREATE TABLE items (id INTEGER PRIMARY KEY, name TEXT NOT NULL, qty INTEGER, price REAL, tag BLOB)");
            s.execute("CREATE TABLE pairs (a INTEGER, b TEXT, v, PRIMARY KEY (a, b)) WITHOUT ROWID");
            c.setAutoCommit(false);
            try (PreparedStatement items = c.prepareStatement("INSERT INTO items VALUES (?, ?, ?, ?, ?)");
                 PreparedStatement pairs = c.prepareStatement("INSERT INTO pairs VALUES (?, ?, ?)")) {
                for (int i = 1; i <= rows; i++) {
                    items.setInt(1, i * 3); // gaps in the rowids
                    items.setString(2, "item " + i + (i % 7 == 0 ? " 'quoted'" : ""));
                    items.setLong(3, i % 11 == 0 ? 9007199254740993L + i : i);
                    items.setDouble(4, i / 3.0);
                    items.setBytes(5, new byte[] {(byte) i, (byte) (i >> 8)});
                    items.addBatch();
                    pairs.setInt(1, i % 97);
                    pairs.setString(2, "k" + i);
                    pairs.setLong(3, i);
                    pairs.addBatch();
                }
                items.executeBatch();
                pairs.executeBatch();
            }
            c.commit();
        }
        return db;
    }

    /** Rows of random BLOBs, about {@code bytes} in all: a dump that stays that big through gzip (multipart uploads). */
    public static Path incompressible(Path dir, String name, int bytes) throws SQLException {
        Path db = dir.resolve(name + ".db");
        try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + db); Statement s = c.createStatement()) {
            s.execute("CREATE TABLE blobs (id INTEGER PRIMARY KEY, data BLOB NOT NULL)");
            s.execute("WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < " + (bytes / 40_000 + 1)
                    + ") INSERT INTO blobs SELECT i, randomblob(40000) FROM n");
        }
        return db;
    }
}
