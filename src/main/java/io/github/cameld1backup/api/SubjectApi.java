package io.github.cameld1backup.api;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.util.TokenBuffer;
import io.github.cameld1backup.core.ApiException;
import io.github.cameld1backup.core.BackupHeaders;
import io.github.cameld1backup.core.Failures;
import io.github.cameld1backup.subject.SubjectReport;
import java.io.IOException;
import java.util.Map;
import org.apache.camel.Body;
import org.apache.camel.Exchange;
import org.apache.camel.Message;

/**
 * Bean of {@code POST /api/subject/find}: the request body {@code {"predicate": "TABLE.COLUMN=VALUE"}} (the
 * value travels in the body, never in the URL, so no proxy log keeps it), the answer the JSON report.
 */
public class SubjectApi {

    private static final String FORM = "the body must be JSON: {\"predicate\": \"TABLE.COLUMN=VALUE\", \"force\": false}";
    private final ObjectMapper json = new ObjectMapper();

    /** The predicate into the body and the request's options into headers; 400 for anything else. */
    public void request(Exchange exchange) {
        Message m = exchange.getMessage();
        JsonNode node;
        try {
            String body = m.getBody(String.class);
            node = body == null || body.isBlank() ? null : json.readTree(body);
        } catch (IOException e) {
            node = null;
        }
        if (node == null || !node.path("predicate").isTextual()) {
            throw new ApiException(400, FORM);
        }
        m.setHeader(BackupHeaders.SUBJECT_FORCE, node.path("force").asBoolean(false));
        m.setHeader(BackupHeaders.SUBJECT_REQUESTED_BY, "api:" + ApiGuard.clientAddress(exchange));
        m.setBody(node.path("predicate").asText());
    }

    /** The report as the answer's JSON. */
    public JsonNode answer(@Body SubjectReport report) throws IOException {
        try (TokenBuffer buffer = new TokenBuffer(json, false)) {
            report.writeJson(buffer);
            return json.readTree(buffer.asParser());
        }
    }

    /** A request the subject's schema or limits refuse (no such table, too many rows): a 400 that says why. */
    public void refused(Exchange exchange) {
        Throwable e = exchange.getProperty(Exchange.EXCEPTION_CAUGHT, Throwable.class);
        throw new ApiException(400, e == null ? "refused" : Failures.message(e), Map.of(), 0);
    }
}
