package io.github.cameld1backup.observe;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.github.cameld1backup.store.R2Objects;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.UUID;
import org.apache.camel.support.service.ServiceSupport;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One JSON line per backup, restore, verify, prune and refused API request, kept apart from the
 * backups: appended to a file ({@code file:PATH}), or one object per event under a prefix of its
 * own ({@code r2:BUCKET/PREFIX}; objects cannot be appended to). Callers pass only names, sizes,
 * outcomes and addresses; an audit that cannot be written is logged and never fails the operation.
 *
 * <p>Refusals that checked nothing ({@link #refused}) are aggregated, so a flood of them cannot grow the
 * log (or send one PUT each) without bound: per client and window, the first is written at once and
 * the rest are counted into one line when the window ends ({@link #flushRefusals}, from a timer, and
 * on stop). At most {@value #MAX_CLIENTS} clients are told apart per window; others share one count.
 */
public class AuditLog extends ServiceSupport {

    /** The client of the shared count once {@value #MAX_CLIENTS} addresses have been seen in a window. */
    public static final String OTHER_CLIENTS = "other";
    static final int MAX_CLIENTS = 1000;

    private static final Logger LOG = LoggerFactory.getLogger(AuditLog.class);
    private static final DateTimeFormatter DAY = DateTimeFormatter.ofPattern("yyyy/MM/dd").withZone(ZoneOffset.UTC);
    private final ObjectMapper json = new ObjectMapper();
    private final String location;
    private final R2Objects r2;
    private final Duration refusalWindow;
    private final Clock clock;
    private final Map<String, Refusals> refusals = new HashMap<>();

    /** The refusals of one client in one window (the first of which has its own line). */
    private static final class Refusals {
        final Instant since;
        final Map<String, Integer> statuses = new TreeMap<>();
        int count;

        Refusals(Instant since) {
            this.since = since;
        }
    }

    public AuditLog(String location, R2Objects r2) {
        this(location, r2, Duration.ofMinutes(1), Clock.systemUTC());
    }

    /**
     * @param location empty: no audit; {@code file:PATH}; {@code r2:BUCKET/PREFIX} (through aws2-s3's putObject)
     * @param refusalWindow how long the refusals of one client are counted into one line
     */
    public AuditLog(String location, R2Objects r2, Duration refusalWindow, Clock clock) {
        this.location = location == null ? "" : location.trim();
        this.r2 = r2;
        this.refusalWindow = refusalWindow;
        this.clock = clock;
        if (!this.location.isEmpty() && !this.location.startsWith("file:") && !this.location.matches("r2:[a-z0-9][a-z0-9-]{1,61}[a-z0-9](/.*)?")) {
            throw new IllegalArgumentException("AUDIT_LOCATION (audit.location) must be file:PATH or r2:BUCKET/PREFIX,"
                    + " got '" + this.location + "'");
        }
    }

    public boolean enabled() {
        return !location.isEmpty();
    }

    /** Records one event: operation (backup, restore, ...), outcome (succeeded, failed, refused) and details. */
    public void record(String operation, String outcome, Map<String, Object> details) {
        if (!enabled()) {
            return;
        }
        Instant now = clock.instant();
        Map<String, Object> event = new LinkedHashMap<>();
        event.put("time", now.toString());
        event.put("operation", operation);
        event.put("outcome", outcome);
        details.forEach((k, v) -> {
            if (v != null) {
                event.put(k, v);
            }
        });
        try {
            String line = json.writeValueAsString(event) + "\n";
            if (location.startsWith("file:")) {
                Path file = Path.of(location.substring(5));
                if (file.getParent() != null) {
                    Files.createDirectories(file.getParent());
                }
                synchronized (this) {
                    Files.writeString(file, line, StandardCharsets.UTF_8, StandardOpenOption.CREATE, StandardOpenOption.APPEND);
                }
            } else {
                String rest = location.substring(3);
                int slash = rest.indexOf('/');
                String bucket = slash < 0 ? rest : rest.substring(0, slash);
                String prefix = slash < 0 ? "" : rest.substring(slash + 1).replaceAll("/?$", "/").replaceAll("^/$", "");
                String key = prefix + DAY.format(now) + "/" + now.toEpochMilli() + "-" + operation + "-"
                        + UUID.randomUUID().toString().substring(0, 8) + ".json";
                r2.put(bucket, key, "application/json", line.getBytes(StandardCharsets.UTF_8));
            }
        } catch (IOException | RuntimeException e) {
            LOG.error("Could not write the audit record of a {} ({}): {}", operation, outcome, e.getMessage());
        }
    }

    /**
     * A refused API request that checked no credential (no address on the allow-list, no or a wrong
     * API key, no code, a spent failure budget): its own line when it is the client's first in the
     * window, else only counted.
     */
    public void refused(String client, Map<String, Object> details) {
        if (!enabled()) {
            return;
        }
        Instant now = clock.instant();
        List<Map<String, Object>> due;
        boolean first = false;
        synchronized (refusals) {
            due = takeDue(now, false);
            String key = refusals.containsKey(client) || refusals.size() < MAX_CLIENTS ? client : OTHER_CLIENTS;
            Refusals counted = refusals.get(key);
            if (counted == null) {
                counted = new Refusals(now);
                refusals.put(key, counted);
                first = true;
            }
            counted.count++;
            counted.statuses.merge(String.valueOf(details.get("status")), 1, Integer::sum);
        }
        due.forEach(summary -> record("api", "refused", summary));
        if (first) {
            record("api", "refused", details);
        }
    }

    /** Writes the count of each client's refusals whose window has ended (from a timer route). */
    public void flushRefusals() {
        List<Map<String, Object>> due;
        synchronized (refusals) {
            due = takeDue(clock.instant(), false);
        }
        due.forEach(summary -> record("api", "refused", summary));
    }

    @Override
    protected void doStop() {
        List<Map<String, Object>> all;
        synchronized (refusals) {
            all = takeDue(clock.instant(), true);
        }
        all.forEach(summary -> record("api", "refused", summary));
    }

    /**
     * Removes the windows that ended (all of them when stopping); a line for each that counted more
     * than its first refusal: the client, how many in all (the first included), since when, by status.
     */
    private List<Map<String, Object>> takeDue(Instant now, boolean all) {
        List<Map<String, Object>> due = new ArrayList<>();
        for (var it = refusals.entrySet().iterator(); it.hasNext(); ) {
            var e = it.next();
            Refusals r = e.getValue();
            if (all || !now.isBefore(r.since.plus(refusalWindow))) {
                it.remove();
                if (r.count > 1) {
                    Map<String, Object> summary = new LinkedHashMap<>();
                    summary.put("client", e.getKey());
                    summary.put("count", r.count);
                    summary.put("since", r.since.toString());
                    summary.put("statuses", r.statuses);
                    due.add(summary);
                }
            }
        }
        return due;
    }
}
