package io.github.cameld1backup.api;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.util.TokenBuffer;
import io.github.cameld1backup.core.ApiException;
import io.github.cameld1backup.core.BackupHeaders;
import io.github.cameld1backup.core.Failures;
import io.github.cameld1backup.config.BackupSettings;
import io.github.cameld1backup.core.BackupProperties;
import io.github.cameld1backup.subject.SubjectReport;
import io.github.cameld1backup.subject.SubjectRequests;
import java.io.IOException;
import java.util.Map;
import org.apache.camel.Exchange;
import org.apache.camel.Message;

/**
 * Bean of {@code POST /api/subject/find}: the request body {@code {"predicate": "TABLE.COLUMN=VALUE"}} (the
 * value travels in the body, never in the URL, so no proxy log keeps it), the answer the JSON report.
 */
public class SubjectApi {

    private static final String FORM = "the body must be JSON: {\"predicate\": \"TABLE.COLUMN=VALUE\", \"force\": false}";
    private final ObjectMapper json = new ObjectMapper();
    private final SubjectRequests requests;

    public SubjectApi(SubjectRequests requests) {
        this.requests = requests;
    }

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

    /**
     * Searches every backup (subjectRequests.find, as routes/subject.camel.yaml does for the command line) and
     * answers the report as JSON; a request the schema or the row limit refuses is a 400 that says why.
     */
    public JsonNode find(Exchange exchange) throws Exception {
        Message m = exchange.getMessage();
        SubjectReport report;
        try {
            report = requests.find(m.getBody(String.class), exchange.getProperty(BackupProperties.SETTINGS,
                    BackupSettings.class), m.getHeader(BackupHeaders.SUBJECT_FORCE, Boolean.class),
                    m.getHeader(BackupHeaders.SUBJECT_REQUESTED_BY, String.class));
        } catch (IllegalArgumentException e) {
            throw new ApiException(400, Failures.message(e), Map.of(), 0);
        }
        try (TokenBuffer buffer = new TokenBuffer(json, false)) {
            report.writeJson(buffer);
            return json.readTree(buffer.asParser());
        }
    }
}
