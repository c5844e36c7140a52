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
import java.util.regex.Pattern;
import org.apache.camel.Exchange;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Bean that admits or refuses an API request: IP allow-list, then the failure budget, then the
 * optional API key ({@code X-API-Key}), then a TOTP code as {@code Authorization: Bearer <code>},
 * accepted once. Every refusal is an {@link ApiException}; nothing secret is ever logged.
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
    private static final Logger LOG = LoggerFactory.getLogger(ApiGuard.class);

    private final Totp totp;
    private final byte[] apiKey;
    private final AllowList allowed;
    private final FailureBudget failures;
    private final Pattern bearer;
    private long lastAcceptedStep = Long.MIN_VALUE;

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
        String authorization = exchange.getMessage().getHeader("Authorization", String.class);
        var m = authorization == null || authorization.length() > 64 ? null : bearer.matcher(authorization);
        if (m == null || !m.matches()) {
            refuse(client, "Authorization must be 'Bearer <" + totp.digits() + "-digit TOTP code>'");
        }
        OptionalLong step = totp.match(m.group(1));
        if (step.isEmpty()) {
            refuse(client, "invalid or expired code");
        }
        synchronized (this) {
            // A code is good once: its step must be newer than the last accepted one.
            if (step.getAsLong() <= lastAcceptedStep) {
                refuse(client, "code already used; wait for the next one");
            }
            lastAcceptedStep = step.getAsLong();
        }
    }

    /** For requests that read a run's status by its unguessable id: allow-list and API key only. */
    public String admit(Exchange exchange) {
        String client = clientAddress(exchange);
        if (!allowed.admits(client)) {
            throw new ApiException(403, "client address not allowed");
        }
        long wait = failures.retryAfter(client);
        if (wait > 0) {
            throw new ApiException(429, "too many failed attempts; try again later", Map.of(), wait);
        }
        if (apiKey != null) {
            String given = exchange.getMessage().getHeader(API_KEY_HEADER, String.class);
            if (given == null || !MessageDigest.isEqual(apiKey, given.getBytes(StandardCharsets.UTF_8))) {
                refuse(client, "missing or wrong " + API_KEY_HEADER);
            }
        }
        return client;
    }

    /** Counts a failed attempt against the client's and the overall budget, then answers 401. */
    void refuse(String client, String why) {
        failures.fail(client);
        LOG.warn("Refused an API request from {}: {}", client, why);
        throw new ApiException(401, why);
    }

    static String clientAddress(Exchange exchange) {
        Object address = exchange.getMessage().getHeader("CamelVertxPlatformHttpRemoteAddress");
        if (address instanceof SocketAddress socket && socket.hostAddress() != null) {
            return socket.hostAddress();
        }
        return address == null ? "unknown" : address.toString();
    }
}
