package io.github.cameld1backup.subject;

import com.fasterxml.jackson.core.JsonGenerator;
import java.io.IOException;
import java.util.Base64;
import java.util.Collections;
import java.util.List;

/**
 * The subject's rows in one table: column names, and per row the values as stored (Long, Double,
 * String, byte[] or null), and how the rows were reached ({@code via}: the predicate, or the foreign
 * keys and references that lead to them).
 */
public record SubjectTable(String table, List<String> columns, List<List<Object>> rows, String via) {

    public SubjectTable {
        columns = List.copyOf(columns);
        // Rows may hold nulls, so no List.copyOf.
        rows = rows.stream().map(r -> Collections.unmodifiableList(new java.util.ArrayList<>(r))).toList();
    }

    /** {@code {"table":..,"via":..,"columns":[..],"rows":[[..]]}}. */
    public void writeJson(JsonGenerator json) throws IOException {
        json.writeStartObject();
        json.writeStringField("table", table);
        json.writeStringField("via", via);
        json.writeArrayFieldStart("columns");
        for (String column : columns) {
            json.writeString(column);
        }
        json.writeEndArray();
        json.writeArrayFieldStart("rows");
        for (List<Object> row : rows) {
            json.writeStartArray();
            for (Object value : row) {
                writeValue(json, value);
            }
            json.writeEndArray();
        }
        json.writeEndArray();
        json.writeEndObject();
    }

    /**
     * A value exactly: integers as JSON integers (all 64 bits), BLOBs as {@code {"base64":..}}, the
     * infinities JSON has no number for as {@code {"real":"Infinity"}}.
     */
    static void writeValue(JsonGenerator json, Object value) throws IOException {
        if (value == null) {
            json.writeNull();
        } else if (value instanceof Long l) {
            json.writeNumber(l);
        } else if (value instanceof Double d) {
            if (Double.isFinite(d)) {
                json.writeNumber(d);
            } else {
                json.writeStartObject();
                json.writeStringField("real", d.toString());
                json.writeEndObject();
            }
        } else if (value instanceof byte[] bytes) {
            json.writeStartObject();
            json.writeStringField("base64", Base64.getEncoder().encodeToString(bytes));
            json.writeEndObject();
        } else {
            json.writeString(value.toString());
        }
    }
}
