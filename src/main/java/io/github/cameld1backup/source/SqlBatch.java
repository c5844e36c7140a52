package io.github.cameld1backup.source;

import com.fasterxml.jackson.annotation.JsonIgnore;
import com.fasterxml.jackson.annotation.JsonProperty;
import java.util.List;

/**
 * Read-only statements sent to a source in one request; the reply is one {@link QueryResult} per
 * statement. Marshals to D1's request body ({@code {"sql": "s1; s2"}}: D1 runs ;-separated
 * statements as one batch and answers with one result each).
 */
public record SqlBatch(@JsonIgnore List<String> statements) {

    public SqlBatch {
        statements = List.copyOf(statements);
    }

    public static SqlBatch of(String... statements) {
        return new SqlBatch(List.of(statements));
    }

    @JsonProperty("sql")
    public String sql() {
        return String.join(";\n", statements);
    }
}
