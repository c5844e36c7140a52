package io.github.cameld1backup.source;

import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.ResultSetMetaData;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import org.sqlite.SQLiteConfig;

/**
 * Bean that runs a {@link SqlBatch} over JDBC on a local SQLite file, read-only, and answers in
 * the same shape as D1's {@code /raw} endpoint.
 */
public class SqliteQuery {

    public List<QueryResult> query(SqlBatch batch, String path) throws SQLException {
        if (!Files.isRegularFile(Path.of(path))) {
            throw new IllegalArgumentException("SQLite database not found: " + path);
        }
        SQLiteConfig config = new SQLiteConfig();
        config.setReadOnly(true);
        List<QueryResult> results = new ArrayList<>();
        try (Connection connection = config.createConnection("jdbc:sqlite:" + path);
             Statement statement = connection.createStatement()) {
            for (String sql : batch.statements()) {
                results.add(run(statement, sql));
            }
        }
        return results;
    }

    /**
     * The same on a connection the caller holds open (and may be in a transaction on). Not an overload of
     * {@code query}: the sources route calls that by name with Simple arguments, which overloads would make
     * Camel parse differently.
     */
    public List<QueryResult> queryOn(SqlBatch batch, Connection connection) throws SQLException {
        List<QueryResult> results = new ArrayList<>();
        try (Statement statement = connection.createStatement()) {
            for (String sql : batch.statements()) {
                results.add(run(statement, sql));
            }
        }
        return results;
    }

    private static QueryResult run(Statement statement, String sql) throws SQLException {
        List<String> columns = new ArrayList<>();
        List<List<Object>> rows = new ArrayList<>();
        if (statement.execute(sql)) {
            try (ResultSet rs = statement.getResultSet()) {
                ResultSetMetaData meta = rs.getMetaData();
                for (int i = 1; i <= meta.getColumnCount(); i++) {
                    columns.add(meta.getColumnLabel(i));
                }
                while (rs.next()) {
                    List<Object> row = new ArrayList<>(columns.size());
                    for (int i = 1; i <= columns.size(); i++) {
                        row.add(rs.getObject(i));
                    }
                    rows.add(row);
                }
            }
        }
        return new QueryResult(columns, rows);
    }
}
