package io.github.cameld1backup.source;

import io.github.cameld1backup.Databases;
import java.time.Duration;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.Supplier;
import org.apache.camel.Exchange;
import org.apache.camel.ExchangeProperty;
import org.apache.camel.ProducerTemplate;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Bean through which every D1 API call goes: each attempt is one pass of an HTTP route, taken from
 * the shared {@link D1RequestBudget}; a 429 waits its Retry-After, 5xx and D1's passing errors are
 * retried with exponential backoff and jitter, bounded in count and time; anything else fails at
 * once with D1's own message. (A retry here, not redelivery in the HTTP route: a route that
 * exhausts its own error handler would keep the caller's cleanup from running.)
 */
public class D1Calls {

    public static final String RETRIES = "d1Retries";
    private static final Logger LOG = LoggerFactory.getLogger(D1Calls.class);

    private final Supplier<ProducerTemplate> templates;
    private final D1RequestBudget budget;
    private final int maxRetries;
    private final Duration firstDelay;
    private final Duration maxTotalWait;

    public D1Calls(Supplier<ProducerTemplate> templates, D1RequestBudget budget, int maxRetries, Duration firstDelay,
                   Duration maxTotalWait) {
        this.templates = templates;
        this.budget = budget;
        this.maxRetries = maxRetries;
        this.firstDelay = firstDelay;
        this.maxTotalWait = maxTotalWait;
    }

    /** Sends the exchange's body through {@code route} (one attempt each) until it succeeds or may not retry. */
    public Object call(String route, Exchange exchange, @ExchangeProperty("d1DatabaseId") String database)
            throws Exception {
        Object body = exchange.getMessage().getBody();
        long waited = 0;
        for (int attempt = 0; ; attempt++) {
            budget.acquire();
            Exchange answer = templates.get().send(route, e -> {
                e.setProperty("d1DatabaseId", database);
                // whose account and token the request uses
                e.setProperty(Databases.SETTINGS, exchange.getProperty(Databases.SETTINGS));
                e.getMessage().setBody(body);
            });
            Exception failure = answer.getException();
            if (failure == null) {
                return answer.getMessage().getBody();
            }
            Duration wait = retryWait(failure, attempt);
            if (wait == null || attempt >= maxRetries || waited + wait.toMillis() > maxTotalWait.toMillis()) {
                throw described(failure, attempt + 1);
            }
            if (failure instanceof D1Exception d1 && d1.httpStatus() == 429) {
                budget.pause(wait);
            }
            waited += wait.toMillis();
            exchange.setProperty(RETRIES, exchange.getProperty(RETRIES, 0, Integer.class) + 1);
            io.github.cameld1backup.metrics.BackupMetrics.of(exchange.getContext()).retried(exchange);
            LOG.warn("D1 request failed ({}); retry {} of {} in {} ms", failure.getMessage(), attempt + 1, maxRetries,
                    wait.toMillis());
            Thread.sleep(wait.toMillis());
        }
    }

    /**
     * Route step of a D1 attempt: the bearer token of the database the exchange is for. Set here, not
     * by an expression, so the token never passes through expression evaluation (logged at TRACE).
     */
    public void authorize(@ExchangeProperty(Databases.SETTINGS) io.github.cameld1backup.BackupSettings settings,
                          Exchange exchange) {
        exchange.getMessage().setHeader("Authorization", "Bearer " + settings.d1Api().token());
    }

    /** A network failure names the D1 API and the attempts made: "Connection reset" alone says nothing of where. */
    static Exception described(Exception failure, int attempts) {
        Throwable cause = failure;
        while (cause != null && !(cause instanceof D1Exception) && !(cause instanceof java.io.IOException)) {
            cause = cause.getCause();
        }
        if (cause instanceof java.io.IOException io) {
            return new java.io.IOException("D1 API request failed after " + attempts + (attempts == 1 ? " attempt: " : " attempts: ")
                    + io.getMessage(), failure);
        }
        return failure;
    }

    /** How long to wait before retrying, or null when the failure is not worth a retry. */
    Duration retryWait(Exception failure, int attempt) {
        Throwable cause = failure;
        while (cause != null && !(cause instanceof D1Exception) && !(cause instanceof java.io.IOException)) {
            cause = cause.getCause();
        }
        if (cause instanceof D1Exception d1) {
            if (!d1.retryable()) {
                return null;
            }
            if (d1.retryAfterSeconds() > 0) {
                return Duration.ofSeconds(d1.retryAfterSeconds());
            }
        } else if (cause == null) {
            return null;
        }
        long base = firstDelay.toMillis() << Math.min(attempt, 16);
        return Duration.ofMillis(base / 2 + ThreadLocalRandom.current().nextLong(base / 2 + 1)); // jitter
    }
}
