package io.github.cameld1backup.api;

import io.github.cameld1backup.service.RunRegistry;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.TreeMap;
import org.apache.camel.CamelContext;
import org.apache.camel.Exchange;
import org.apache.camel.health.HealthCheck;
import org.apache.camel.health.HealthCheckHelper;

/**
 * Bean behind {@code GET /health}: the answer of Camel's health-check registry (camel.health.*):
 * live and ready as its liveness and readiness checks say (the context, every route and consumer;
 * a route that is off by configuration counts as up), 503 when either is down. Each check's state is
 * listed, with its message when down; never an exception or a stack trace.
 */
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
        Collection<HealthCheck.Result> liveness = HealthCheckHelper.invokeLiveness(context);
        Collection<HealthCheck.Result> readiness = HealthCheckHelper.invokeReadiness(context);
        boolean live = liveness.stream().noneMatch(Health::down);
        boolean ready = context.isStarted() && readiness.stream().noneMatch(Health::down);
        Map<String, Object> checks = new TreeMap<>();
        for (HealthCheck.Result r : readiness) {
            checks.put(r.getCheck().getId(), state(r));
        }
        for (HealthCheck.Result r : liveness) {
            checks.putIfAbsent(r.getCheck().getId(), state(r));
        }
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("status", live && ready ? "UP" : "DOWN");
        body.put("live", live);
        body.put("ready", ready);
        // How many, not which: a run's id is what authorises reading its status, and /health asks no code.
        body.put("runningBackups", runs.running().size());
        body.put("checks", checks);
        exchange.getMessage().setBody(body);
        responses.ok(exchange);
        if (!(live && ready)) {
            exchange.getMessage().setHeader(Exchange.HTTP_RESPONSE_CODE, 503);
        }
    }

    private static boolean down(HealthCheck.Result r) {
        return r.getState() == HealthCheck.State.DOWN;
    }

    /** "UP", or "DOWN: message" (the message only, never the exception behind it). */
    private static String state(HealthCheck.Result r) {
        return r.getState().name() + (down(r) ? r.getMessage().map(m -> ": " + m).orElse("") : "");
    }
}
