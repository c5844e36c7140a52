package io.github.cameld1backup.source;

import io.github.cameld1backup.config.BackupSettings;
import io.github.cameld1backup.core.BackupProperties;
import io.github.cameld1backup.core.RequestMetrics;
import java.io.IOException;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.Supplier;
import org.apache.camel.Exchange;
import org.apache.camel.ExchangeProperty;
import org.apache.camel.ProducerTemplate;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Bean through which every D1 API call goes: each attempt is one pass of an HTTP route, taken from
 * the shared {@link D1RequestBudget}. What happens on a failure depends on its {@link D1ErrorClass}:
 * a 429 waits its Retry-After (or, without one, the budget's whole window: Cloudflare blocks the user
 * that long); a transient failure is retried with exponential backoff and jitter, bounded in count
 * and time; a request D1 found too large is sent smaller when the caller says how ({@link #SMALLER}),
 * and otherwise fails like anything else: at once, with D1's own message. (A retry here, not
 * redelivery in the HTTP route: a route that exhausts its own error handler would keep the caller's
 * cleanup from running.)
 *
 * <p>A write may have committed although its answer never came (a reset or cut-off answer, a 5xx, a
 * transient 7500). Such a write is resent only after its caller's {@link CommitCheck} ({@link #COMMITTED})
 * said it did not commit; and when a resend is refused (the write guards itself against running twice)
 * or retries run out, the check decides whether the write succeeded after all. Reads need no check.
 */
public class D1Calls {

    public static final String RETRIES = "d1Retries";
    /** Exchange property: a {@link CommitCheck} for the request (a write); without one the request is a read. */
    public static final String COMMITTED = "d1CommitCheck";
    /** Exchange property: a {@link Smaller} for a request D1 may find too large (a page of a table). */
    public static final String SMALLER = "d1Smaller";
    private static final Logger LOG = LoggerFactory.getLogger(D1Calls.class);

    /** Tells whether a write whose answer was lost committed (by reading what it recorded in the same transaction). */
    @FunctionalInterface
    public interface CommitCheck {
        boolean committed();
    }

    /** The same request made smaller (a page of fewer rows), or null when it cannot be. */
    @FunctionalInterface
    public interface Smaller {
        Object smaller();
    }

    /** A write failed in a way that leaves unknown whether it committed, and its commit check failed too. */
    public static class CommitUnknown extends RuntimeException {
        public CommitUnknown(String message, Throwable cause) {
            super(message, cause);
        }
    }

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
        BackupSettings settings = exchange.getProperty(BackupProperties.SETTINGS, BackupSettings.class);
        D1RequestBudget requests = budget;
        CommitCheck check = exchange.getProperty(COMMITTED, CommitCheck.class);
        Smaller smaller = exchange.getProperty(SMALLER, Smaller.class);
        long waited = 0;
        boolean mayHaveCommitted = false;
        for (int attempt = 0; ; attempt++) {
            requests.acquire();
            Object sending = body;
            Exchange answer = templates.get().send(route, e -> {
                e.setProperty("d1DatabaseId", database);
                // whose account and token the request uses
                e.setProperty(BackupProperties.SETTINGS, settings);
                e.getMessage().setBody(sending);
            });
            Exception failure = answer.getException();
            if (failure == null) {
                return answer.getMessage().getBody();
            }
            D1ErrorClass kind = D1Exception.classOf(failure);
            if (kind == D1ErrorClass.TOO_LARGE && smaller != null) {
                Object less = smaller.smaller();
                if (less != null) {
                    LOG.warn("D1 found a request too large ({}); sending it smaller", failure.getMessage());
                    body = less;
                    attempt--; // not a retry: a different, smaller request
                    continue;
                }
            }
            if (check != null && (kind == D1ErrorClass.TRANSIENT || mayHaveCommitted && kind == D1ErrorClass.FATAL)) {
                // An earlier attempt may have committed (this one refused as a duplicate), or this one may have.
                mayHaveCommitted = true;
            }
            Duration wait = retryWait(failure, kind, attempt, requests);
            boolean givingUp = wait == null || attempt >= maxRetries || waited + wait.toMillis() > maxTotalWait.toMillis();
            if (givingUp) {
                if (mayHaveCommitted && committed(check, failure)) {
                    return List.of();
                }
                throw described(failure, attempt + 1);
            }
            if (kind == D1ErrorClass.RATE_LIMITED) {
                requests.pause(wait);
            }
            waited += wait.toMillis();
            exchange.setProperty(RETRIES, exchange.getProperty(RETRIES, 0, Integer.class) + 1);
            RequestMetrics.of(exchange.getContext()).retried(exchange);
            LOG.warn("D1 request failed ({}); retry {} of {} in {} ms", failure.getMessage(), attempt + 1, maxRetries,
                    wait.toMillis());
            Thread.sleep(wait.toMillis());
            if (mayHaveCommitted && committed(check, failure)) {
                LOG.info("The write whose answer was lost had committed: not sending it again");
                return List.of();
            }
        }
    }

    /** Asks the caller's check whether the write committed; a check that cannot tell fails the call. */
    private static boolean committed(CommitCheck check, Exception failure) {
        try {
            return check.committed();
        } catch (RuntimeException e) {
            CommitUnknown unknown = new CommitUnknown("a write to D1 failed (" + failure.getMessage()
                    + ") and whether it committed could not be read (" + e.getMessage() + ")", failure);
            unknown.addSuppressed(e);
            throw unknown;
        }
    }

    /**
     * Route step of a D1 attempt: where it goes and the bearer token it carries, for the database the
     * exchange is for. Sets the {@link BackupProperties#D1_BASE_URL} and {@link BackupProperties#D1_ACCOUNT}
     * properties the attempt's toD URI reads, and the Authorization header: set here, not by an
     * expression, so the token never passes through expression evaluation (logged at TRACE).
     */
    public void address(@ExchangeProperty(BackupProperties.SETTINGS) BackupSettings settings, Exchange exchange) {
        exchange.setProperty(BackupProperties.D1_BASE_URL, settings.d1Api().baseUrl());
        exchange.setProperty(BackupProperties.D1_ACCOUNT, settings.d1Api().accountId());
        exchange.getMessage().setHeader("Authorization", "Bearer " + settings.d1Api().token());
    }

    /** A network failure names the D1 API and the attempts made: "Connection reset" alone says nothing of where. */
    static Exception described(Exception failure, int attempts) {
        Throwable cause = failure;
        while (cause != null && !(cause instanceof D1Exception) && !(cause instanceof IOException)) {
            cause = cause.getCause();
        }
        if (cause instanceof IOException io) {
            return new IOException("D1 API request failed after " + attempts + (attempts == 1 ? " attempt: " : " attempts: ")
                    + io.getMessage(), failure);
        }
        return failure;
    }

    /** How long to wait before retrying, or null when the failure is not worth a retry. */
    Duration retryWait(Exception failure, D1ErrorClass kind, int attempt, D1RequestBudget requests) {
        if (!kind.retryable()) {
            return null;
        }
        long retryAfter = 0;
        for (Throwable cause = failure; cause != null; cause = cause.getCause()) {
            if (cause instanceof D1Exception d1) {
                retryAfter = d1.retryAfterSeconds();
                break;
            }
        }
        if (retryAfter > 0) {
            return Duration.ofSeconds(retryAfter);
        }
        if (kind == D1ErrorClass.RATE_LIMITED) {
            return requests.window(); // no Retry-After: Cloudflare blocks the user for its whole window
        }
        long base = firstDelay.toMillis() << Math.min(attempt, 16);
        return Duration.ofMillis(base / 2 + ThreadLocalRandom.current().nextLong(base / 2 + 1)); // jitter
    }
}
