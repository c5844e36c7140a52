package io.github.cameld1backup.api;

import io.vertx.core.http.HttpConnection;
import io.vertx.core.http.HttpServerRequest;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Closes HTTP connections whose client is too slow to send a request: the headers must all arrive within
 * {@code header} of the connection opening (or of the previous answer ending, on a kept-alive connection), the
 * whole request, body included, within {@code request}. Vert.x's idle timeout alone lets a client that trickles
 * one byte at a time hold a connection forever (slowloris). Answers are not timed: a download takes as long as
 * the client reads it (the idle timeout closes a client that stops reading).
 */
final class ConnectionDeadlines {

    private static final Logger LOG = LoggerFactory.getLogger(ConnectionDeadlines.class);

    private final long headerMillis;
    private final long requestMillis;
    private final Map<HttpConnection, Waiting> open = new ConcurrentHashMap<>();

    /** Where one connection stands: since when it has waited for a request, and the request it last got. */
    private static final class Waiting {
        volatile long since;
        volatile HttpServerRequest request;

        Waiting(long since) {
            this.since = since;
        }
    }

    ConnectionDeadlines(Duration header, Duration request) {
        this.headerMillis = header.toMillis();
        this.requestMillis = request.toMillis();
    }

    /** How often {@link #sweep} should run for the deadlines to hold within a quarter of the shorter one. */
    long sweepMillis() {
        return Math.max(50, Math.min(1000, Math.min(headerMillis, requestMillis) / 4));
    }

    /** Vert.x's connection handler: the clock for the first request's headers starts now. */
    void opened(HttpConnection connection) {
        open.put(connection, new Waiting(now()));
        connection.closeHandler(v -> open.remove(connection));
    }

    /** Every request, as its headers have all arrived. */
    void arrived(HttpServerRequest request) {
        Waiting w = open.get(request.connection());
        if (w != null) {
            if (w.request != null) {
                w.since = now(); // kept alive: this request's headers came soon after the last answer
            }
            w.request = request;
        }
    }

    /** Closes the connections past their deadline; an answered request starts the wait for the next one. */
    void sweep() {
        long now = now();
        open.forEach((connection, w) -> {
            HttpServerRequest r = w.request;
            if (r != null && r.isEnded()) {
                if (r.response().ended()) {
                    w.request = null;
                    w.since = now;
                }
                return;
            }
            boolean headers = r == null;
            if (now - w.since > (headers ? headerMillis : requestMillis)) {
                open.remove(connection);
                LOG.debug("Closed a connection from {}: its request's {} took longer than {} ms",
                        connection.remoteAddress(), headers ? "headers" : "body", headers ? headerMillis : requestMillis);
                connection.close();
            }
        });
    }

    private static long now() {
        return System.nanoTime() / 1_000_000;
    }
}
