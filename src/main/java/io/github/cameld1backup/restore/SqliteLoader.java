package io.github.cameld1backup.restore;

import io.github.cameld1backup.sql.SqlScript;
import io.github.cameld1backup.sql.SqlText;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Loads a dump into a SQLite file in one transaction: all of it or, on any error, none of it (a
 * file that did not exist before is removed again).
 */
public final class SqliteLoader {

    private static final Logger LOG = LoggerFactory.getLogger(SqliteLoader.class);

    /** @return statements executed */
    public long load(InputStream sql, Path db, boolean replace, List<CreatedObject> created) throws IOException {
        return load(sql, db, false, replace, created);
    }

    /**
     * An incremental on top of the database its parent's restore made (no emptiness check: it holds the
     * chain so far), in one transaction as well.
     *
     * @return statements executed
     */
    public long applyOnTop(InputStream sql, Path db) throws IOException {
        if (!Files.isRegularFile(db)) {
            throw new RestoreException("cannot apply an incremental to " + db + ": there is no database there");
        }
        return load(sql, db, true, false, List.of());
    }

    private long load(InputStream sql, Path db, boolean onTop, boolean replace, List<CreatedObject> created)
            throws IOException {
        boolean existed = Files.exists(db);
        if (db.getParent() != null) {
            Files.createDirectories(db.getParent());
        }
        long n = 0;
        try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + db); Statement s = c.createStatement()) {
            s.execute("PRAGMA foreign_keys = OFF"); // as the dump was taken; checked afterwards by verify
            c.setAutoCommit(false);
            try {
                if (!onTop) {
                    prepareTarget(s, replace, created);
                }
                Reader reader = new InputStreamReader(sql, StandardCharsets.UTF_8);
                SqlScript script = new SqlScript(reader);
                while (script.hasNext()) {
                    String statement = script.next();
                    n++;
                    try {
                        s.execute(statement);
                    } catch (SQLException e) {
                        throw new RestoreException("statement " + n + " (line " + script.lineOfLast() + ") failed: "
                                + e.getMessage() + " -- " + SqlText.abbreviate(statement) + "; nothing was restored", e);
                    }
                }
                c.commit();
            } catch (RuntimeException | SQLException e) {
                c.rollback();
                throw e;
            }
        } catch (SQLException e) {
            throw new RestoreException("cannot restore into " + db + ": " + e.getMessage(), e);
        } catch (RuntimeException e) {
            if (!existed) {
                Files.deleteIfExists(db);
            }
            throw e;
        }
        LOG.info("Restored {} statements into {}", n, db);
        return n;
    }

    /** An empty target, or with --replace the dump's own objects dropped first; anything else is refused. */
    static void prepareTarget(Statement s, boolean replace, List<CreatedObject> created) throws SQLException {
        List<String> existing = userObjects(s);
        if (existing.isEmpty()) {
            return;
        }
        if (!replace) {
            throw new RestoreException("the target is not empty (" + existing.size() + " objects, e.g. "
                    + existing.get(0) + "): restore into an empty database, or give --replace to drop what the"
                    + " backup recreates");
        }
        for (String drop : dropsFor(created)) {
            s.execute(drop);
        }
    }

    /** Triggers, views, indexes, then tables: each drop only after what depends on it. */
    static List<String> dropsFor(List<CreatedObject> created) {
        List<String> order = List.of("trigger", "view", "index", "table");
        return created.stream()
                .sorted(Comparator.comparingInt(o -> order.indexOf(o.type())))
                .map(CreatedObject::dropStatement).toList();
    }

    static List<String> userObjects(Statement s) throws SQLException {
        List<String> names = new ArrayList<>();
        try (ResultSet rs = s.executeQuery("SELECT type || ' ' || name FROM sqlite_master WHERE name NOT LIKE 'sqlite\\_%'"
                + " ESCAPE '\\' AND name NOT LIKE '\\_cf\\_%' ESCAPE '\\'")) {
            while (rs.next()) {
                names.add(rs.getString(1));
            }
        }
        return names;
    }
}
