package io.github.cameld1backup.api;

import io.github.cameld1backup.RunRegistry;
import java.util.LinkedHashMap;
import java.util.Map;
import org.apache.camel.CamelContext;
import org.apache.camel.Exchange;
import org.apache.camel.ServiceStatus;

/** Bean behind {@code GET /health}: live while the process answers, ready when every route runs. */
public class Health {

    private final CamelContext context;
    private final RunRegistry runs;
    private final ApiResponses responses;

    public Health(CamelContext context, RunRegistry runs, ApiResponses responses) {
        this.context = context;
        this.runs = runs;
        this.responses = responses;
    }

    public void check(Exchange exchange) throws Exception {
        // Ready when every route meant to run does (a switched-off schedule is not a fault).
        boolean ready = context.isStarted() && context.getRoutes().stream().filter(r -> r.isAutoStartup())
                .allMatch(r -> context.getRouteController().getRouteStatus(r.getRouteId()) == ServiceStatus.Started);
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("status", ready ? "UP" : "DOWN");
        body.put("live", true);
        body.put("ready", ready);
        body.put("runningBackup", runs.running());
        exchange.getMessage().setBody(body);
        responses.ok(exchange);
        if (!ready) {
            exchange.getMessage().setHeader(Exchange.HTTP_RESPONSE_CODE, 503);
        }
    }
}
