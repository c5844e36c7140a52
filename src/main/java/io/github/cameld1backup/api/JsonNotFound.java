package io.github.cameld1backup.api;

import io.vertx.core.http.HttpServerResponse;
import org.apache.camel.component.platform.http.vertx.VertxPlatformHttpRouter;
import org.apache.camel.spi.CamelEvent;
import org.apache.camel.support.EventNotifierSupport;

/**
 * Once the HTTP server runs, adds a last-resort route to it that answers any unmatched request
 * with a JSON 404, instead of the server's HTML page: every answer of the API is JSON.
 */
public class JsonNotFound extends EventNotifierSupport {

    @Override
    public boolean isEnabled(CamelEvent event) {
        return event instanceof CamelEvent.CamelContextStartedEvent;
    }

    @Override
    public void notify(CamelEvent event) {
        var context = ((CamelEvent.CamelContextStartedEvent) event).getContext();
        for (VertxPlatformHttpRouter router : context.getRegistry().findByType(VertxPlatformHttpRouter.class)) {
            router.route().last().handler(ctx -> {
                HttpServerResponse response = ctx.response();
                response.setStatusCode(404).putHeader("Content-Type", "application/json")
                        .end("{\"error\":\"no such resource\",\"status\":404}");
            });
        }
    }
}
