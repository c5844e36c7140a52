package io.github.cameld1backup.source;

import com.fasterxml.jackson.annotation.JsonIgnore;
import com.fasterxml.jackson.annotation.JsonProperty;
import java.util.List;
import java.util.Map;

/**
 * Statements sent to a source in one request, run as one transaction; the reply is one
 * {@link QueryResult} per statement. Marshals to D1's {@code {"batch": [{"sql": ...}, ...]}}: each
 * statement stands alone, so D1's statement splitter never sees two at once (it refuses a
 * multi-statement text over 100,000 bytes as a whole) and every answer has one result per statement.
 */
public record SqlBatch(@JsonIgnore List<String> statements) {

    public SqlBatch {
        statements = List.copyOf(statements);
    }

    public static SqlBatch of(String... statements) {
        return new SqlBatch(List.of(statements));
    }

    @JsonProperty("batch")
    public List<Map<String, String>> batch() {
        return statements.stream().map(s -> Map.of("sql", s)).toList();
    }
}
