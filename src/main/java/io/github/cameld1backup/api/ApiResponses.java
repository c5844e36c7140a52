package io.github.cameld1backup.api;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.github.cameld1backup.core.ApiException;
import io.github.cameld1backup.service.RunRegistry;
import io.github.cameld1backup.observe.AuditLog;
import io.vertx.core.http.HttpServerResponse;
import java.util.LinkedHashMap;
import java.util.Map;
import org.apache.camel.Exchange;
import org.apache.camel.Message;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Bean that writes every API answer as JSON with a clear message. Request headers are dropped
 * first, so nothing a client sent (codes, keys) is echoed back, and no stack trace ever leaves.
 */
public class ApiResponses {

    private static final Logger LOG = LoggerFactory.getLogger(ApiResponses.class);
    private static final ObjectMapper JSON = new ObjectMapper();
    private final AuditLog audit;

    public ApiResponses(AuditLog audit) {
        this.audit = audit;
    }

    public void ok(Exchange exchange) throws JsonProcessingException {
        respond(exchange, 200, exchange.getMessage().getBody());
    }

    public void accepted(Exchange exchange) throws JsonProcessingException {
        String id = exchange.getMessage().getHeader(RunRegistry.RUN_ID, String.class);
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("id", id);
        body.put("state", "queued");
        body.put("status", "/api/backup/runs/" + id);
        respond(exchange, 202, body);
        exchange.getMessage().setHeader("Location", "/api/backup/runs/" + id);
    }

    /** onException: an {@link ApiException} as its status; anything else as a 500 without detail. */
    public void error(Exchange exchange) throws JsonProcessingException {
        Throwable e = exchange.getProperty(Exchange.EXCEPTION_CAUGHT, Throwable.class);
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof ApiException) {
                e = t; // bean expressions wrap it
                break;
            }
        }
        Map<String, Object> body = new LinkedHashMap<>();
        int status = 500;
        long retryAfter = 0;
        if (e instanceof ApiException api) {
            status = api.status();
            if (status == 401 || status == 403 || status == 429) {
                String client = ApiGuard.clientAddress(exchange);
                Map<String, Object> refusal = Map.of("status", status, "reason", api.getMessage(),
                        "client", client, "method",
                        String.valueOf(exchange.getMessage().getHeader(Exchange.HTTP_METHOD)), "path",
                        String.valueOf(exchange.getMessage().getHeader(Exchange.HTTP_PATH)));
                if (api instanceof ApiGuard.WrongCredential) {
                    audit.record("api", "refused", refusal); // a guess: each has its line (the budget bounds them)
                } else {
                    audit.refused(client, refusal); // checked nothing: counted per client and window
                }
            }
            retryAfter = api.retryAfterSeconds();
            body.put("error", api.getMessage());
            body.putAll(api.details());
        } else {
            LOG.error("API request failed", e);
            body.put("error", "internal error; see the server log");
        }
        body.put("status", status);
        respond(exchange, status, body);
        if (retryAfter > 0) {
            exchange.getMessage().setHeader("Retry-After", String.valueOf(retryAfter));
        }
    }

    /**
     * The same JSON error for answers Vert.x gives itself, before any route runs (malformed requests, unknown
     * paths, a foreign Host); the connection is closed after it when {@code close}.
     */
    static void answer(HttpServerResponse response, int status, String error, boolean close) {
        if (response.headWritten()) {
            response.close(); // an answer already under way (a download) cannot become an error any more
            return;
        }
        response.setStatusCode(status).putHeader("Content-Type", "application/json")
                .putHeader("Cache-Control", "no-store").putHeader("X-Content-Type-Options", "nosniff");
        if (close) {
            response.putHeader("Connection", "close");
        }
        Map<String, Object> fields = new LinkedHashMap<>();
        fields.put("error", error);
        fields.put("status", status);
        String body;
        try {
            body = JSON.writeValueAsString(fields);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
        response.end(body);
        if (close) {
            response.close();
        }
    }

    private void respond(Exchange exchange, int status, Object body) throws JsonProcessingException {
        Message m = exchange.getMessage();
        m.removeHeaders("*");
        m.setHeader(Exchange.HTTP_RESPONSE_CODE, status);
        m.setHeader(Exchange.CONTENT_TYPE, "application/json");
        m.setHeader("Cache-Control", "no-store");
        m.setHeader("X-Content-Type-Options", "nosniff");
        m.setBody(JSON.writeValueAsString(body));
    }
}
