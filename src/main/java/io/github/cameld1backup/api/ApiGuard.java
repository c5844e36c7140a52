package io.github.cameld1backup.api;

import io.github.cameld1backup.config.BackupSettings;
import io.github.cameld1backup.core.ApiException;
import io.vertx.core.net.SocketAddress;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.Clock;
import java.time.Duration;
import java.util.Map;
import java.util.OptionalLong;
import java.util.function.Supplier;
import java.util.regex.Pattern;
import org.apache.camel.Exchange;
import org.apache.camel.component.platform.http.vertx.HttpMessage;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Bean that admits or refuses an API request: IP allow-list, then the optional API key
 * ({@code X-API-Key}), then the failure budget, then a TOTP code as {@code Authorization: Bearer <code>},
 * accepted once. Credentials are read from the HTTP request's own headers, never from query
 * parameters or form fields (which platform-http also turns into message headers). Only a checked
 * credential (a code or session token compared with the real ones) can spend the failure budget: a
 * missing or wrong key, or a missing or malformed Authorization header, guesses nothing and is
 * refused without it, so strangers cannot lock the API. Every refusal is an {@link ApiException};
 * nothing secret is ever logged.
 */
public class ApiGuard {

    /**
     * The HTTP API's guard, or a start-up error naming TOTP_SECRET when it is missing; {@code github} serves
     * the allow-list's github-actions.
     */
    public static ApiGuard from(BackupSettings settings, Clock clock, GithubActionsRanges github) {
        Totp totp = Totp.from(settings).orElseThrow(() -> new IllegalArgumentException(
                "TOTP_SECRET (totp.secret) is not set: the HTTP API needs a base32 TOTP secret (or set"
                        + " BACKUP_API_ENABLED=false to run only the schedule)"));
        return new ApiGuard(totp, settings.apiKey().orElse(null), AllowList.parse(settings.apiAllow(), github), clock,
                settings.apiFailuresPerClient(), settings.apiClientFailureWindow(), settings.apiFailuresTotal(),
                settings.apiTotalFailureWindow());
    }

    public static final String API_KEY_HEADER = "X-API-Key";
    public static final String AUTHORIZATION_HEADER = "Authorization";
    private static final Logger LOG = LoggerFactory.getLogger(ApiGuard.class);

    private final Totp totp;
    private final byte[] apiKey;
    private final AllowList allowed;
    private final FailureBudget failures;
    private final Pattern bearer;
    private long lastAcceptedStep = Long.MIN_VALUE;

    /** A checked credential that was wrong: it spent the failure budget (and is audited on its own line). */
    public static final class WrongCredential extends ApiException {
        WrongCredential(String message) {
            super(401, message);
        }
    }

    public ApiGuard(Totp totp, String apiKey, AllowList allowList, Clock clock, int failuresPerClient,
                    Duration clientWindow, int failuresOverall, Duration overallWindow) {
        this.totp = totp;
        this.apiKey = apiKey == null ? null : apiKey.getBytes(StandardCharsets.UTF_8);
        this.allowed = allowList;
        this.failures = new FailureBudget(clock, failuresPerClient, clientWindow, failuresOverall, overallWindow);
        this.bearer = Pattern.compile("Bearer (\\d{" + totp.digits() + "})");
    }

    /** For requests that start work or read backups: the full check, TOTP included. */
    public void authorize(Exchange exchange) {
        String client = admit(exchange);
        String authorization = requestHeader(exchange, AUTHORIZATION_HEADER);
        var m = authorization == null || authorization.length() > 64 ? null : bearer.matcher(authorization);
        if (m == null || !m.matches()) {
            throw refused(client, "Authorization must be 'Bearer <" + totp.digits() + "-digit TOTP code>'");
        }
        String code = m.group(1);
        check(client, () -> {
            OptionalLong step = totp.match(code);
            if (step.isEmpty()) {
                return "invalid or expired code";
            }
            synchronized (this) {
                // A code is good once: its step must be newer than the last accepted one.
                if (step.getAsLong() <= lastAcceptedStep) {
                    return "code already used; wait for the next one";
                }
                lastAcceptedStep = step.getAsLong();
            }
            return null;
        });
    }

    /**
     * For requests that read a run's status by its unguessable id, and the first step of every
     * other check: allow-list, API key, and a client whose failure budget is spent is turned away.
     */
    public String admit(Exchange exchange) {
        String client = clientAddress(exchange);
        if (!allowed.admits(client)) {
            throw new ApiException(403, "client address not allowed");
        }
        if (apiKey != null) {
            String given = requestHeader(exchange, API_KEY_HEADER);
            if (given == null || !MessageDigest.isEqual(apiKey, given.getBytes(StandardCharsets.UTF_8))) {
                throw refused(client, "missing or wrong " + API_KEY_HEADER);
            }
        }
        long wait = failures.retryAfter(client);
        if (wait > 0) {
            throw tooMany(wait);
        }
        return client;
    }

    /**
     * Runs one credential check under the failure budget: its failure is counted before it runs
     * (429 without running it when none is left) and given back when it passes. The check answers
     * null when the credential is good, else why not.
     */
    void check(String client, Supplier<String> check) {
        FailureBudget.Reservation reservation = failures.reserve(client);
        if (!reservation.granted()) {
            throw tooMany(reservation.retryAfterSeconds());
        }
        String problem = check.get();
        if (problem == null) {
            failures.release(reservation);
            return;
        }
        LOG.warn("Refused an API request from {}: {}", client, problem);
        throw new WrongCredential(problem);
    }

    /** A 401 that checked nothing, so spends no failure budget. */
    ApiException refused(String client, String why) {
        LOG.debug("Refused an API request from {}: {}", client, why);
        return new ApiException(401, why);
    }

    private static ApiException tooMany(long retryAfterSeconds) {
        return new ApiException(429, "too many failed attempts; try again later", Map.of(), retryAfterSeconds);
    }

    /**
     * A header as the client sent it on the HTTP request. platform-http also copies query parameters
     * and form fields into the message's headers; those never count as credentials. An exchange made
     * in-process (no HTTP request) has only its message headers.
     */
    static String requestHeader(Exchange exchange, String name) {
        if (exchange.getMessage() instanceof HttpMessage http && http.getRequest() != null) {
            return http.getRequest().getHeader(name);
        }
        return exchange.getMessage().getHeader(name, String.class);
    }

    static String clientAddress(Exchange exchange) {
        if (exchange.getMessage() instanceof HttpMessage http && http.getRequest() != null
                && http.getRequest().remoteAddress() != null && http.getRequest().remoteAddress().hostAddress() != null) {
            return http.getRequest().remoteAddress().hostAddress();
        }
        Object address = exchange.getMessage().getHeader("CamelVertxPlatformHttpRemoteAddress");
        if (address instanceof SocketAddress socket && socket.hostAddress() != null) {
            return socket.hostAddress();
        }
        return address == null ? "unknown" : address.toString();
    }
}
