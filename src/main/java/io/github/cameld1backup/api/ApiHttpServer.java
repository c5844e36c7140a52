package io.github.cameld1backup.api;

import io.github.cameld1backup.config.BackupSettings;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.TooLongHttpHeaderException;
import io.netty.handler.codec.http.TooLongHttpLineException;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.apache.camel.CamelContext;
import org.apache.camel.Service;
import org.apache.camel.component.platform.http.main.DefaultMainHttpServerFactory;
import org.apache.camel.component.platform.http.main.MainHttpServer;
import org.apache.camel.component.platform.http.vertx.VertxPlatformHttpRouter;
import org.apache.camel.component.platform.http.vertx.VertxPlatformHttpServer;
import org.apache.camel.component.platform.http.vertx.VertxPlatformHttpServerConfiguration;
import org.apache.camel.main.HttpServerConfigurationProperties;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The HTTP server of the API: Camel's platform-http server on Vert.x (configured by {@code camel.server.*} as
 * usual), with what Camel's own leaves out: idle, header and request timeouts, an optional list of the host
 * names it answers for, JSON for every answer Vert.x gives itself (malformed requests, too long a URI or headers,
 * unknown paths and methods, too large a body), and a start-up that fails when the port cannot be had (Camel's
 * logs a warning and runs on without its API).
 */
public class ApiHttpServer extends VertxPlatformHttpServer {

    /** The settings Camel's server has no place for. */
    public record Limits(Duration idle, Duration header, Duration request, Set<String> hosts) {
        public static Limits from(BackupSettings settings) {
            return new Limits(settings.apiIdleTimeout(), settings.apiHeaderTimeout(), settings.apiRequestTimeout(),
                    Set.copyOf(settings.apiHosts()));
        }
    }

    /**
     * camel-main's factory of its HTTP server ({@code camel.server.*}), bound in the registry so camel-main uses it:
     * Camel's own server, configured by Camel, running an {@link ApiHttpServer}.
     */
    public static class Factory extends DefaultMainHttpServerFactory {
        @Override
        public Service newHttpServer(CamelContext context, HttpServerConfigurationProperties properties) {
            Limits limits = Limits.from(BackupSettings.resolve(context.getPropertiesComponent()::resolveProperty));
            MainHttpServer configured = (MainHttpServer) super.newHttpServer(context, properties);
            MainHttpServer server = new MainHttpServer() {
                @Override
                protected void doInit() throws Exception {
                    getCamelContext().addService(new ApiHttpServer(getConfiguration(), limits));
                }
            };
            server.setCamelContext(context);
            server.setConfiguration(configured.getConfiguration());
            server.setStaticEnabled(configured.isStaticEnabled());
            server.setStaticSourceDir(configured.getStaticSourceDir());
            server.setStaticContextPath(configured.getStaticContextPath());
            return server;
        }
    }

    private static final Logger LOG = LoggerFactory.getLogger(ApiHttpServer.class);
    /** The failures Vert.x Web answers itself (no route, wrong method, body too large, ...): JSON like the rest. */
    private static final List<Integer> ERRORS = List.of(400, 401, 403, 404, 405, 406, 413, 414, 415, 431, 500, 501, 503);

    private final VertxPlatformHttpServerConfiguration configuration;
    private final Limits limits;
    private HttpServer server;
    private long sweeper = -1;

    public ApiHttpServer(VertxPlatformHttpServerConfiguration configuration, Limits limits) {
        super(configuration);
        this.configuration = configuration;
        this.limits = limits;
    }

    @Override
    public HttpServer getServer() {
        return server;
    }

    @Override
    public int getPort() {
        return server != null ? server.actualPort() : configuration.getBindPort();
    }

    @Override
    protected void startServer() throws Exception {
        if (configuration.getSslContextParameters() != null || configuration.isUseGlobalSslContextParameters()) {
            throw new IllegalArgumentException("the HTTP API does not serve TLS itself: put it behind a reverse proxy"
                    + " that does, and leave camel.server's SSL settings off");
        }
        Vertx vertx = getVertx();
        Router root = Router.router(vertx);
        // Bodies, and credentials in URLs, are refused before anything reads them (api.RequestGate).
        RequestGate.install(root, configuration.getMaxBodySize());
        if (!limits.hosts().isEmpty()) {
            root.route().handler(this::checkHost);
        }
        // Camel's routes (platform-http and the REST DSL), as Camel's own server mounts them.
        root.route(configuration.getPath() + "*").subRouter(VertxPlatformHttpRouter.lookup(getCamelContext(),
                VertxPlatformHttpRouter.getRouterNameFromPort(configuration.getPort())));
        for (int status : ERRORS) {
            root.errorHandler(status, ApiHttpServer::failed);
        }
        ConnectionDeadlines deadlines = new ConnectionDeadlines(limits.header(), limits.request());
        HttpServerOptions options = new HttpServerOptions()
                .setIdleTimeout((int) Math.min(Integer.MAX_VALUE, limits.idle().toMillis()))
                .setIdleTimeoutUnit(TimeUnit.MILLISECONDS)
                // HTTP/1.1 only: with h2c on, Vert.x shows a connection only once its first request is whole, so a
                // client trickling that request's headers would go unseen by the deadlines.
                .setHttp2ClearTextEnabled(false);
        server = vertx.createHttpServer(options)
                .connectionHandler(deadlines::opened)
                .invalidRequestHandler(ApiHttpServer::invalid)
                .requestHandler(request -> {
                    deadlines.arrived(request);
                    root.handle(request);
                });
        sweeper = vertx.setPeriodic(deadlines.sweepMillis(), id -> deadlines.sweep());
        String where = configuration.getBindHost() + ":" + configuration.getBindPort();
        try {
            server.listen(configuration.getBindPort(), configuration.getBindHost())
                    .toCompletionStage().toCompletableFuture().get(1, TimeUnit.MINUTES);
        } catch (ExecutionException e) {
            stopServer();
            throw new IllegalStateException("cannot listen on " + where + ": " + e.getCause().getMessage()
                    + " (CAMEL_SERVER_PORT and CAMEL_SERVER_HOST choose another)", e.getCause());
        }
        LOG.info("HTTP API listening on {} (idle timeout {}, header timeout {}, request timeout {}{})", where,
                limits.idle(), limits.header(), limits.request(),
                limits.hosts().isEmpty() ? "" : ", for hosts " + String.join(", ", limits.hosts()));
    }

    @Override
    protected void stopServer() {
        if (sweeper >= 0) {
            getVertx().cancelTimer(sweeper);
            sweeper = -1;
        }
        if (server != null) {
            try {
                server.close().toCompletionStage().toCompletableFuture().get(1, TimeUnit.MINUTES);
            } catch (Exception e) {
                LOG.warn("Could not close the HTTP server: {}", e.getMessage());
            } finally {
                server = null;
            }
        }
    }

    /** Camel's own stops Vert.x through the thread it started the server on, which this server does not use. */
    @Override
    protected void stopVertx() {
        Vertx vertx = getVertx();
        if (vertx != null) {
            try {
                vertx.close().toCompletionStage().toCompletableFuture().get(1, TimeUnit.MINUTES);
            } catch (Exception e) {
                LOG.warn("Could not stop Vert.x: {}", e.getMessage());
            }
        }
    }

    /** Only requests naming one of the allowed hosts reach any route (DNS rebinding: a foreign name is refused). */
    private void checkHost(RoutingContext ctx) {
        String host = hostName(ctx.request().getHeader("Host"));
        if (host == null || !limits.hosts().contains(host)) {
            ApiResponses.answer(ctx.response(), 421, "this server does not answer for that host name", false);
            return;
        }
        ctx.next();
    }

    /** The host of a Host header, without its port, in lower case; null when there is none. */
    static String hostName(String header) {
        if (header == null || header.isBlank()) {
            return null;
        }
        String h = header.trim().toLowerCase(Locale.ROOT);
        if (h.startsWith("[")) {
            int end = h.indexOf(']');
            return end < 0 ? null : h.substring(0, end + 1);
        }
        int colon = h.indexOf(':');
        return colon < 0 ? h : h.substring(0, colon);
    }

    /** A request Vert.x could not read: its status as Vert.x's own answer would have it, as JSON, then closed. */
    private static void invalid(HttpServerRequest request) {
        Throwable cause = request.decoderResult().cause();
        int status = cause instanceof TooLongHttpLineException ? 414
                : cause instanceof TooLongHttpHeaderException ? 431 : 400;
        ApiResponses.answer(request.response(), status, HttpResponseStatus.valueOf(status).reasonPhrase()
                .toLowerCase(Locale.ROOT), true);
    }

    /** A request Vert.x Web failed before or around the routes (no route, wrong method, body too large). */
    private static void failed(RoutingContext ctx) {
        int status = ctx.statusCode() > 0 ? ctx.statusCode() : 500;
        if (status >= 500 && ctx.failure() != null) {
            LOG.error("HTTP request failed", ctx.failure());
        }
        String error = status == 404 ? "no such resource" : HttpResponseStatus.valueOf(status).reasonPhrase()
                .toLowerCase(Locale.ROOT);
        ApiResponses.answer(ctx.response(), status, error, false);
    }
}
