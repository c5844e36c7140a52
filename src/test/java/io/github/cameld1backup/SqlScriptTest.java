package io.github.cameld1backup;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.cameld1backup.sql.SqlScript;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.List;
import org.junit.jupiter.api.Test;

class SqlScriptTest {

    private static final String SCRIPT = """
            -- a comment; with a semicolon
            CREATE TABLE "a;b" (x TEXT DEFAULT 'it''s; fine', [y;] INT, `z;` INT);
            /* block; comment */ INSERT INTO "a;b"(x) VALUES ('END;'), ('--not a comment'), ('/* nor; this */');
            CREATE TRIGGER t AFTER INSERT ON "a;b" BEGIN
              INSERT INTO "a;b"(x) SELECT CASE WHEN NEW.x = 'q' THEN 'end;' ELSE 'other' END WHERE 0;
              UPDATE "a;b" SET x = x || ';' WHERE 0;
            END;
            CREATE TEMP TRIGGER t2 BEFORE DELETE ON "a;b" BEGIN SELECT 1; END;
            ;;
            SELECT count(*) FROM "a;b"
            """;

    @Test
    void splitsWhereSqliteEndsStatements() {
        List<String> statements = SqlScript.split(SCRIPT);
        assertThat(statements).hasSize(5); // ";;" is no statement
        assertThat(statements.get(0)).startsWith("-- a comment").endsWith("`z;` INT);");
        assertThat(statements.get(2)).startsWith("CREATE TRIGGER t ").endsWith("END;");
        assertThat(statements.get(3)).startsWith("CREATE TEMP TRIGGER t2").endsWith("END;");
        assertThat(statements.get(4)).isEqualTo("SELECT count(*) FROM \"a;b\"");
    }

    @Test
    void eachPieceRunsOnItsOwnInSqlite() throws Exception {
        try (Connection c = DriverManager.getConnection("jdbc:sqlite::memory:"); Statement s = c.createStatement()) {
            for (String statement : SqlScript.split(SCRIPT)) {
                s.execute(statement); // sqlite-jdbc runs only the first statement of a string: a wrong split fails here
            }
            try (ResultSet rs = s.executeQuery("SELECT group_concat(x, '|') FROM \"a;b\"")) {
                assertThat(rs.getString(1)).isEqualTo("END;|--not a comment|/* nor; this */");
            }
            try (ResultSet rs = s.executeQuery("SELECT count(*) FROM sqlite_temp_master WHERE type = 'trigger'")) {
                assertThat(rs.getInt(1)).isEqualTo(1);
            }
        }
    }

    @Test
    void reportsTheLineEachStatementStartsOn() {
        SqlScript script = new SqlScript(new java.io.StringReader("SELECT 1;\n\n  SELECT\n2;\nSELECT 'a\nb'; SELECT 3;"));
        script.next();
        assertThat(script.lineOfLast()).isEqualTo(1);
        script.next();
        assertThat(script.lineOfLast()).isEqualTo(3);
        script.next();
        assertThat(script.lineOfLast()).isEqualTo(5);
        script.next();
        assertThat(script.lineOfLast()).isEqualTo(6);
        assertThat(script.hasNext()).isFalse();
    }
}
