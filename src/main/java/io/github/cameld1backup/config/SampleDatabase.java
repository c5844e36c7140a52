package io.github.cameld1backup.config;

import io.github.cameld1backup.sql.SqlScript;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.Reader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;

/**
 * The bundled sample database that a zero-configuration run backs up: built from
 * {@code sample/sample.sql} in the jar, so it is readable text in the repository, not a binary.
 */
public final class SampleDatabase {

    private SampleDatabase() {
    }

    public static Path materialize(Path directory) {
        Path db = directory.resolve("camel-d1-backup-sample/sample.db");
        try (InputStream script = SampleDatabase.class.getResourceAsStream("/sample/sample.sql")) {
            if (script == null) {
                throw new IllegalStateException("sample/sample.sql is missing from the jar");
            }
            Files.createDirectories(db.getParent());
            Files.deleteIfExists(db);
            try (Reader reader = new InputStreamReader(script, StandardCharsets.UTF_8);
                 Connection c = DriverManager.getConnection("jdbc:sqlite:" + db);
                 Statement s = c.createStatement()) {
                SqlScript statements = new SqlScript(reader);
                while (statements.hasNext()) {
                    s.execute(statements.next());
                }
            }
            return db;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create the sample database in " + db.getParent(), e);
        } catch (SQLException e) {
            throw new IllegalStateException("cannot create the sample database: " + e.getMessage(), e);
        }
    }
}
