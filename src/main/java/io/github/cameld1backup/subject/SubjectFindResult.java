package io.github.cameld1backup.subject;

import com.fasterxml.jackson.core.JsonGenerator;
import java.io.IOException;
import java.util.List;

/** What one database holds of a subject: their rows, then the rows that reference them, table by table. */
public record SubjectFindResult(List<SubjectTable> tables) {

    public SubjectFindResult {
        tables = List.copyOf(tables);
    }

    /** Rows in all tables. */
    public int rows() {
        return tables.stream().mapToInt(t -> t.rows().size()).sum();
    }

    public boolean isEmpty() {
        return rows() == 0;
    }

    /** {@code {"tables":[{"table":..,"via":..,"columns":[..],"rows":[[..]]}],"rows":N}}. */
    public void writeJson(JsonGenerator json) throws IOException {
        json.writeStartObject();
        json.writeArrayFieldStart("tables");
        for (SubjectTable table : tables) {
            table.writeJson(json);
        }
        json.writeEndArray();
        json.writeNumberField("rows", rows());
        json.writeEndObject();
    }
}
