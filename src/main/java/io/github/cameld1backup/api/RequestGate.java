package io.github.cameld1backup.api;

import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.handler.BodyHandler;
import java.util.Locale;
import java.util.Set;

/**
 * The HTTP server's first handler, ahead of platform-http, which reads each request's whole body
 * into memory (up to {@code camel.server.maxBodySize}) before the route, the allow-list, the failure
 * budget or the audit sees it. Judged from the request line and headers alone, the body unread:
 * <ul>
 *   <li>a credential named in the query string ({@code ?Authorization=}, {@code ?X-API-Key=}) is 400:
 *   credentials travel in headers only, never in a URL that proxies log;</li>
 *   <li>a body where none is taken (every request but {@code POST /api/backup} and {@code POST /api/session},
 *   which ignore theirs, and {@code POST /api/subject/find}, a short JSON request) is 413, as is a declared
 *   length over {@code camel.server.maxBodySize} on those three
 *   (a chunked body there is cut off at that size by platform-http's own limit).</li>
 * </ul>
 * A refusal is JSON, like every answer, and closes the connection, so the rest of the body is never read.
 * Installed on every platform-http server (the API's, and the management server's when enabled) before
 * any route starts.
 */
public final class RequestGate {

    /** Requests that may carry a (small, ignored) body: clients that always send one, such as {@code {}}. */
    private static final Set<String> TAKE_A_BODY = Set.of("POST /api/backup", "POST /api/session",
            "POST /api/subject/find");
    private static final Set<String> CREDENTIALS = Set.of(ApiGuard.AUTHORIZATION_HEADER.toLowerCase(Locale.ROOT),
            ApiGuard.API_KEY_HEADER.toLowerCase(Locale.ROOT));

    private RequestGate() {
    }

    /**
     * Puts the gate in front of everything the server's root router serves (the Host check, Camel's routes),
     * so it decides from the headers alone before any body is read.
     */
    static void install(Router root, Long maxBodySize) {
        long maxBody = maxBodySize == null ? BodyHandler.DEFAULT_BODY_LIMIT : maxBodySize;
        root.route().order(Integer.MIN_VALUE).handler(ctx -> check(ctx, maxBody));
    }

    static void check(RoutingContext ctx, long maxBody) {
        HttpServerRequest request = ctx.request();
        try {
            if (ctx.queryParams().names().stream().anyMatch(n -> CREDENTIALS.contains(n.toLowerCase(Locale.ROOT)))) {
                refuse(ctx, 400, "credentials go in the Authorization and X-API-Key headers, never in the URL");
                return;
            }
        } catch (IllegalArgumentException e) {
            refuse(ctx, 400, "malformed query string");
            return;
        }
        long allowed = takesBody(request.method(), ctx.normalizedPath()) ? maxBody : 0;
        String length = request.getHeader(HttpHeaders.CONTENT_LENGTH);
        if (length != null) {
            long declared;
            try {
                declared = Long.parseLong(length.trim());
            } catch (NumberFormatException e) {
                refuse(ctx, 400, "malformed Content-Length");
                return;
            }
            if (declared > allowed) {
                refuse(ctx, 413, allowed == 0 ? "this request takes no body"
                        : "request body over " + allowed + " bytes");
                return;
            }
        } else if (request.getHeader(HttpHeaders.TRANSFER_ENCODING) != null && allowed == 0) {
            refuse(ctx, 413, "this request takes no body");
            return;
        }
        ctx.next();
    }

    private static boolean takesBody(HttpMethod method, String path) {
        String p = path.length() > 1 && path.endsWith("/") ? path.substring(0, path.length() - 1) : path;
        return TAKE_A_BODY.contains(method.name() + " " + p);
    }

    private static void refuse(RoutingContext ctx, int status, String message) {
        ctx.response().setStatusCode(status)
                .putHeader(HttpHeaders.CONTENT_TYPE, "application/json")
                .putHeader(HttpHeaders.CACHE_CONTROL, "no-store")
                .putHeader("X-Content-Type-Options", "nosniff")
                .putHeader(HttpHeaders.CONNECTION, "close")
                .end(new JsonObject().put("error", message).put("status", status).encode())
                .onComplete(done -> ctx.request().connection().close());
    }
}
