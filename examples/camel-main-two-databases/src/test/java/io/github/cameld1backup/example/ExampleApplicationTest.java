package io.github.cameld1backup.example;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.apache.camel.main.Main;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The application as it ships, with its schedule sped up: both databases are backed up, and restore. */
class ExampleApplicationTest {

    private static final String KEY = "00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff";

    @TempDir
    Path tmp;

    @Test
    void backsUpBothDatabasesThroughTheTemplateAndRestoresOne() throws Exception {
        Path data = Files.createDirectories(tmp.resolve("data"));
        database(data.resolve("shop.db"), "CREATE TABLE customers (id INTEGER PRIMARY KEY, name TEXT NOT NULL, email TEXT)",
                "INSERT INTO customers VALUES (1, 'Ada', 'ada@example.com'), (2, 'Grace', 'grace@example.com')");
        database(data.resolve("blog.db"), "CREATE TABLE posts (id INTEGER PRIMARY KEY, title TEXT, body BLOB)",
                "INSERT INTO posts VALUES (1, 'Hello', X'00FF10'), (2, 'It''s 2^53+1', 9007199254740993)");

        Main main = new Main();
        main.addOverrideProperty("example.data", data.toString());
        main.addOverrideProperty("example.backups", tmp.resolve("backups").toString());
        main.addOverrideProperty("example.restored", tmp.resolve("restored").toString());
        main.addOverrideProperty("example.cron", "0/1+*+*+*+*+?");
        main.addOverrideProperty("example.key", KEY);
        main.addOverrideProperty("backup.work.dir", tmp.resolve("work").toString());
        main.start();
        try {
            Path shop = waitForBackup(tmp.resolve("backups/shop"), ".sql.gz");
            Path blog = waitForBackup(tmp.resolve("backups/blog"), ".sql.gz.enc");
            assertTrue(shop.getFileName().toString().startsWith("shop-"), shop.toString());
            assertTrue(blog.getFileName().toString().startsWith("blog-"), blog.toString());

            main.getCamelTemplate().requestBody("direct:restore-shop", shop.getFileName().toString());
            assertEquals(List.of("1|Ada|null", "2|Grace|null"), rows(tmp.resolve("restored/shop.db"),
                    "SELECT id, name, email FROM customers ORDER BY id"), "the email column was left out");
        } finally {
            main.stop();
        }
    }

    private static void database(Path file, String... statements) throws Exception {
        try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + file); Statement s = c.createStatement()) {
            for (String sql : statements) {
                s.execute(sql);
            }
        }
    }

    private static List<String> rows(Path db, String query) throws Exception {
        List<String> out = new ArrayList<>();
        try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + db); Statement s = c.createStatement();
             ResultSet r = s.executeQuery(query)) {
            while (r.next()) {
                List<String> row = new ArrayList<>();
                for (int i = 1; i <= r.getMetaData().getColumnCount(); i++) {
                    row.add(String.valueOf(r.getObject(i)));
                }
                out.add(String.join("|", row));
            }
        }
        return out;
    }

    /** The first backup with a manifest in the folder (a manifest is written only for a whole backup). */
    private static Path waitForBackup(Path folder, String suffix) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (System.nanoTime() < deadline) {
            if (Files.isDirectory(folder)) {
                try (Stream<Path> files = Files.list(folder)) {
                    var found = files.filter(p -> p.getFileName().toString().endsWith(suffix + ".manifest.json")).findFirst();
                    if (found.isPresent()) {
                        String name = found.get().getFileName().toString();
                        return folder.resolve(name.substring(0, name.length() - ".manifest.json".length()));
                    }
                }
            }
            Thread.sleep(100);
        }
        throw new AssertionError("no backup in " + folder);
    }
}
