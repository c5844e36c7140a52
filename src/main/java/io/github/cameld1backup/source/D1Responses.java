package io.github.cameld1backup.source;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.camel.Exchange;

/**
 * Bean that turns a D1 HTTP answer into results or a {@link D1Exception} carrying D1's own code
 * and message. Used after the http endpoint in the D1 routes.
 */
public class D1Responses {

    private final ObjectMapper mapper = new ObjectMapper();

    /** Answer of {@code /raw}: one {@code {results: {columns, rows}}} per statement. */
    public List<QueryResult> rawResults(Exchange exchange) throws IOException {
        JsonNode result = envelope(exchange).result();
        List<QueryResult> out = new ArrayList<>();
        for (JsonNode statement : result) {
            JsonNode results = statement.path("results");
            List<String> columns = new ArrayList<>();
            results.path("columns").forEach(c -> columns.add(c.asText()));
            List<List<Object>> rows = new ArrayList<>();
            for (JsonNode row : results.path("rows")) {
                List<Object> values = new ArrayList<>(columns.size());
                row.forEach(v -> values.add(value(v)));
                rows.add(values);
            }
            out.add(new QueryResult(columns, rows));
        }
        return out;
    }

    /** Answer of {@code /query}: the rows of the last statement, as column-name maps. */
    public List<Map<String, Object>> queryRows(Exchange exchange) throws IOException {
        JsonNode result = envelope(exchange).result();
        List<Map<String, Object>> rows = new ArrayList<>();
        if (result.size() > 0) {
            for (JsonNode row : result.get(result.size() - 1).path("results")) {
                Map<String, Object> values = new LinkedHashMap<>();
                row.fields().forEachRemaining(f -> values.put(f.getKey(), value(f.getValue())));
                rows.add(values);
            }
        }
        return rows;
    }

    /** Answer of {@code GET /database/{id}}: the database's name. */
    public String databaseName(Exchange exchange) throws IOException {
        return envelope(exchange).result().path("name").asText();
    }

    /** Answer of {@code GET /time_travel/bookmark}: the database's current bookmark. */
    public String bookmark(Exchange exchange) throws IOException {
        String bookmark = envelope(exchange).result().path("bookmark").asText("");
        if (bookmark.isBlank()) {
            throw new D1Exception(200, 0, "no bookmark in the answer to /time_travel/bookmark");
        }
        return bookmark;
    }

    /** Answer of {@code POST /export}: {@code {at_bookmark, status, messages, result: {signed_url}}, error}}. */
    public JsonNode exportStatus(Exchange exchange) throws IOException {
        return envelope(exchange).result();
    }

    private D1Envelope envelope(Exchange exchange) throws IOException {
        int status = exchange.getMessage().getHeader(Exchange.HTTP_RESPONSE_CODE, 0, Integer.class);
        D1Envelope envelope;
        try (InputStream body = exchange.getMessage().getBody(InputStream.class)) {
            envelope = body == null ? null : mapper.readValue(body, D1Envelope.class);
        } catch (IOException e) {
            throw new D1Exception(status, 0, "unreadable answer (" + e.getMessage() + ")");
        }
        if (envelope == null || !envelope.success() || status >= 300) {
            D1Envelope.Error first = envelope == null || envelope.errors() == null || envelope.errors().isEmpty()
                    ? new D1Envelope.Error(0, "no error message in answer")
                    : envelope.errors().get(0);
            throw new D1Exception(status, first.code(), first.message(), retryAfter(exchange));
        }
        return envelope;
    }

    private static long retryAfter(Exchange exchange) {
        String value = exchange.getMessage().getHeader("Retry-After", String.class);
        try {
            return value == null ? 0 : Math.max(0, Long.parseLong(value.trim()));
        } catch (NumberFormatException e) {
            return 0; // an HTTP date: fall back to backoff
        }
    }

    private static Object value(JsonNode v) {
        if (v.isNull()) {
            return null;
        }
        if (v.isTextual()) {
            return v.asText();
        }
        if (v.isIntegralNumber()) {
            return v.asLong();
        }
        if (v.isNumber()) {
            return v.asDouble();
        }
        return v.toString(); // arrays (BLOBs as bytes) never reach the dump: it selects quote()
    }
}
