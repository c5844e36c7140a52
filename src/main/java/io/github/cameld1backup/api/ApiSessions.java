package io.github.cameld1backup.api;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;
import org.apache.camel.Exchange;

/**
 * Short-lived sessions for the admin page, since a TOTP code is accepted once and a page reads
 * more than once: {@code POST /api/session} with a fresh code gives a random 256-bit token, sent
 * back as {@code Authorization: Bearer <token>} to list runs and backups and to download them, until
 * it expires or is closed. Starting a backup still takes a fresh code. Only SHA-256 digests of tokens
 * are kept, in memory; a token is compared with every live one in constant time; a token that
 * matches none counts against the same failure budget as a wrong code (reserved before the
 * comparison, as for codes). Tokens are read from the request's own Authorization header, never
 * from the URL, and are never logged.
 */
public class ApiSessions {

    /** 32 random bytes, base64url: never mistaken for a TOTP code (digits only). */
    private static final Pattern TOKEN = Pattern.compile("Bearer ([A-Za-z0-9_-]{43})");
    private static final int MAX_LIVE = 32; // each costs a TOTP code, so this is never reached in use

    private final ApiGuard guard;
    private final Duration ttl;
    private final Clock clock;
    private final SecureRandom random = new SecureRandom();
    private final List<Session> live = new ArrayList<>();

    private record Session(byte[] digest, Instant expires) {
    }

    public ApiSessions(ApiGuard guard, Duration ttl, Clock clock) {
        this.guard = guard;
        this.ttl = ttl;
        this.clock = clock;
    }

    /** {@code backup.api.session.ttl}: an ISO duration from one minute to twelve hours. */
    public static Duration ttl(String text) {
        try {
            Duration d = Duration.parse(text.trim());
            if (d.compareTo(Duration.ofMinutes(1)) >= 0 && d.compareTo(Duration.ofHours(12)) <= 0) {
                return d;
            }
        } catch (DateTimeParseException | NullPointerException e) {
            // reported below, without the value
        }
        throw new IllegalArgumentException("BACKUP_API_SESSION_TTL (backup.api.session.ttl) must be an ISO duration"
                + " from PT1M to PT12H, such as PT15M");
    }

    /**
     * {@code POST /api/session}: a fresh TOTP code opens a session. The answer goes straight into the
     * body, never as a bean's return value, which Camel logs at TRACE.
     */
    public void open(Exchange exchange) {
        guard.authorize(exchange);
        byte[] raw = new byte[32];
        random.nextBytes(raw);
        String token = Base64.getUrlEncoder().withoutPadding().encodeToString(raw);
        Instant expires = clock.instant().plus(ttl);
        synchronized (this) {
            prune();
            if (live.size() >= MAX_LIVE) {
                live.remove(0);
            }
            live.add(new Session(digest(token), expires));
        }
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("token", token);
        body.put("expiresAt", expires.toString());
        body.put("expiresInSeconds", ttl.toSeconds());
        exchange.getMessage().setBody(body);
    }

    /** For reading (lists, downloads): a live session token, or a TOTP code as before. */
    public void authorize(Exchange exchange) {
        String token = token(exchange);
        if (token == null) {
            guard.authorize(exchange);
            return;
        }
        String client = guard.admit(exchange);
        guard.check(client, () -> find(digest(token)) == null ? "session expired or unknown; sign in again" : null);
    }

    /** For starting work: a fresh TOTP code; a session token, however valid, is not enough. */
    public void requireCode(Exchange exchange) {
        if (token(exchange) != null) {
            // Nothing is checked, so no failure is counted: a session is simply not the credential for this.
            throw guard.refused(guard.admit(exchange), "starting a backup needs a fresh TOTP code, not a session");
        }
        guard.authorize(exchange);
    }

    /** {@code DELETE /api/session}: signs out; the token stops working at once. */
    public void close(Exchange exchange) {
        authorize(exchange);
        String token = token(exchange);
        if (token != null) {
            synchronized (this) {
                live.remove(find(digest(token)));
            }
        }
        exchange.getMessage().setBody(Map.of("signedOut", true));
    }

    private static String token(Exchange exchange) {
        String authorization = ApiGuard.requestHeader(exchange, ApiGuard.AUTHORIZATION_HEADER);
        if (authorization == null || authorization.length() > 64) {
            return null;
        }
        var m = TOKEN.matcher(authorization);
        return m.matches() ? m.group(1) : null;
    }

    /** Compares with every live session, without stopping at a match, so timing tells nothing. */
    private synchronized Session find(byte[] digest) {
        prune();
        Session found = null;
        for (Session s : live) {
            if (MessageDigest.isEqual(s.digest(), digest)) {
                found = s;
            }
        }
        return found;
    }

    private void prune() {
        Instant now = clock.instant();
        live.removeIf(s -> !now.isBefore(s.expires()));
    }

    private static byte[] digest(String token) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(token.getBytes(StandardCharsets.US_ASCII));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
