package io.github.cameld1backup;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.cameld1backup.testing.Backups;
import io.github.cameld1backup.testing.D1Client;
import io.github.cameld1backup.testing.DatabaseSnapshot;
import io.github.cameld1backup.testing.Fixtures;
import io.github.cameld1backup.testing.WorkerdD1;
import io.github.cameld1backup.testing.WranglerCli;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.TreeMap;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * A dump loads as it is by the ways users load SQL into D1 besides this tool's restore: Cloudflare's
 * CLI ({@code wrangler d1 execute --local --file}, its own statement splitter) and the whole file
 * posted to D1's {@code /query} as one script (D1's own statement loop, which refuses a comment-only
 * remainder and counts leading comments in a statement's 100,000 bytes). D1 refuses a script over
 * 100,000 bytes as a whole, so only dumps under that size can go in one request; D1Client posts a
 * larger one in scripts of whole statements.
 */
class StandardClientLoadTest {

    @RegisterExtension
    static final WorkerdD1 d1 = WorkerdD1.perClass();

    @TempDir
    Path tmp;

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"edge_values", "schema_zoo", "large_values", "many_rows"})
    void wranglerLoadsTheDumpExactly(String fixture) throws Exception {
        Path db = fixture.equals("many_rows") ? Fixtures.manyRows(tmp, fixture, 3_000) : Fixtures.create(fixture, tmp);
        TreeMap<String, List<String>> original = DatabaseSnapshot.of(db);
        Path dump = Path.of(Backups.run(Backups.d1(d1, d1.addDatabase(fixture, db)), tmp.resolve("backups")).location());

        Path loaded = WranglerCli.load(dump, tmp.resolve("wrangler"));

        assertThat(DatabaseSnapshot.of(loaded)).isEqualTo(original);
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"edge_values", "schema_zoo"})
    void aDumpUnder100KbLoadsWhenPostedToD1AsOneScript(String fixture) throws Exception {
        Path db = Fixtures.create(fixture, tmp);
        TreeMap<String, List<String>> original = DatabaseSnapshot.of(db);
        Path dump = Path.of(Backups.run(Backups.sqlite(db), tmp.resolve("backups")).location());
        assertThat(Files.readString(dump).getBytes(StandardCharsets.UTF_8).length).isLessThan(WorkerdD1.MAX_STATEMENT_BYTES);
        String target = d1.createDatabase("one-script");

        D1Client.query(d1, target, Files.readString(dump));

        assertThat(DatabaseSnapshot.of(d1, target)).isEqualTo(original);
    }
}
