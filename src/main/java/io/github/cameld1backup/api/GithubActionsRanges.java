package io.github.cameld1backup.api;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.github.cameld1backup.config.BackupSettings;
import io.github.cameld1backup.core.Failures;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import java.io.IOException;
import java.io.InputStream;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.apache.camel.Body;
import org.apache.camel.Exchange;
import org.apache.camel.http.base.HttpOperationFailedException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Bean behind BACKUP_API_ALLOW's {@value AllowList#GITHUB_ACTIONS}: the {@code actions} ranges (IPv4 and
 * IPv6) of GitHub's meta API, fetched by the route of routes/api/allowlist.camel.yaml at start, then every
 * {@code backup.api.github.meta.refresh}. An answer is taken whole or not at all: anything but a JSON
 * object whose {@code actions} is a non-empty array of address ranges is refused, and a failed or refused
 * refresh keeps the last good list (tried again after {@code backup.api.github.meta.retry}). Before the
 * first good list the word admits nobody. Reported in the log and on /metrics
 * ({@code d1backup_api_github_actions_ranges}, {@code ..._updated_timestamp_seconds},
 * {@code ..._refresh_failures_total}), never with the URL.
 */
public class GithubActionsRanges {

    /** The largest meta answer read (GitHub's is well under a megabyte). */
    static final int MAX_ANSWER_BYTES = 8 * 1024 * 1024;
    private static final Logger LOG = LoggerFactory.getLogger(GithubActionsRanges.class);
    private static final ObjectMapper JSON = new ObjectMapper();

    private final boolean wanted;
    private final String url;
    private final Duration refresh;
    private final Duration retry;
    private final Clock clock;
    private final Counter failures;
    private volatile AddressRanges current = AddressRanges.NONE;
    private volatile Instant updatedAt;
    private volatile Instant nextAttempt = Instant.MIN;

    public GithubActionsRanges(boolean wanted, String url, Duration refresh, Duration retry, Clock clock,
                               MeterRegistry meters) {
        this.wanted = wanted;
        this.url = url;
        this.refresh = refresh;
        this.retry = retry;
        this.clock = clock;
        if (meters != null && wanted) {
            Gauge.builder("d1backup.api.github.actions.ranges", this, g -> g.current.size())
                    .description("GitHub Actions ranges BACKUP_API_ALLOW's github-actions admits (0: none yet)")
                    .register(meters);
            Gauge.builder("d1backup.api.github.actions.updated.timestamp", this,
                            g -> g.updatedAt == null ? 0 : g.updatedAt.toEpochMilli() / 1000.0)
                    .baseUnit("seconds").description("when the GitHub Actions ranges were last fetched (Unix time)")
                    .register(meters);
            failures = Counter.builder("d1backup.api.github.actions.refresh.failures")
                    .description("fetches of GitHub's meta API that failed or were refused (the last good list stays)")
                    .register(meters);
        } else {
            failures = null;
        }
    }

    /** From the settings: wanted when BACKUP_API_ALLOW names github-actions (then the meta settings are checked). */
    public static GithubActionsRanges from(BackupSettings settings, Clock clock, MeterRegistry meters) {
        boolean wanted = settings.apiAllow().stream().anyMatch(AllowList.GITHUB_ACTIONS::equalsIgnoreCase);
        Duration retry = settings.apiGithubMetaRetry(); // the route's timer period: checked whether wanted or not
        return wanted ? new GithubActionsRanges(true, settings.apiGithubMetaUrl(), settings.apiGithubMetaRefresh(),
                retry, clock, meters)
                : new GithubActionsRanges(false, null, Duration.ofDays(1), retry, clock, null);
    }

    /** The route's filter: whether a fetch is due (never when the allow-list does not name github-actions). */
    public boolean due() {
        return wanted && !clock.instant().isBefore(nextAttempt);
    }

    /** Where the meta API is (CamelHttpUri, so the URL stays out of the endpoint's name). */
    public String url() {
        return url;
    }

    /** The ranges in force: the last good list, none before the first. */
    public AddressRanges current() {
        return current;
    }

    /** When the ranges in force were fetched; null before the first good list. */
    public Instant updatedAt() {
        return updatedAt;
    }

    /** The meta API's answer: its {@code actions} ranges replace the list in force, or it is refused whole. */
    public void update(@Body InputStream answer) throws IOException {
        byte[] bytes = answer.readNBytes(MAX_ANSWER_BYTES + 1);
        if (bytes.length > MAX_ANSWER_BYTES) {
            throw new IllegalArgumentException("the answer is over " + MAX_ANSWER_BYTES + " bytes");
        }
        AddressRanges ranges = parse(bytes);
        int before = current.size();
        current = ranges;
        updatedAt = clock.instant();
        nextAttempt = updatedAt.plus(refresh);
        LOG.info("GitHub Actions ranges for the API allow-list: {} (were {}); next refresh in {}", ranges.size(),
                before, refresh);
    }

    /** The {@code actions} ranges of a meta answer; anything else fails with a message saying what is wrong. */
    static AddressRanges parse(byte[] answer) {
        JsonNode root;
        try {
            root = JSON.readTree(answer);
        } catch (IOException e) {
            throw new IllegalArgumentException("the answer is not JSON");
        }
        if (root == null || !root.isObject()) {
            throw new IllegalArgumentException("the answer is not a JSON object");
        }
        JsonNode actions = root.get("actions");
        if (actions == null || !actions.isArray() || actions.isEmpty()) {
            throw new IllegalArgumentException("the answer has no non-empty \"actions\" array");
        }
        List<AddressRanges.Cidr> cidrs = new ArrayList<>(actions.size());
        for (JsonNode entry : actions) {
            if (!entry.isTextual()) {
                throw new IllegalArgumentException("an \"actions\" entry is not a string: " + abbreviate(entry.toString()));
            }
            try {
                cidrs.add(AddressRanges.Cidr.parse(entry.asText()));
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("an \"actions\" entry is no address range: "
                        + abbreviate(entry.asText()));
            }
        }
        return AddressRanges.of(cidrs);
    }

    /**
     * The fetch failed or its answer was refused (the route's error handler, github-meta-errors): logged and
     * counted; the last good list stays, and the fetch is tried again after the retry interval.
     */
    public void failed(Exchange exchange) {
        Throwable e = exchange.getProperty(Exchange.EXCEPTION_CAUGHT, Throwable.class);
        // HTTP errors say the status only: their message carries the URL.
        String why = e instanceof HttpOperationFailedException h ? "HTTP " + h.getStatusCode()
                : e == null ? "unknown error" : Failures.message(e);
        nextAttempt = clock.instant().plus(retry);
        if (failures != null) {
            failures.increment();
        }
        if (updatedAt == null) {
            LOG.warn("Could not fetch GitHub Actions ranges from the meta API ({}): github-actions in BACKUP_API_ALLOW"
                    + " admits nobody until a list arrives; trying again in {}", why, retry);
        } else {
            LOG.warn("Could not refresh GitHub Actions ranges from the meta API ({}): keeping the {} ranges fetched at"
                    + " {}; trying again in {}", why, current.size(), updatedAt, retry);
        }
    }

    private static String abbreviate(String s) {
        return s.length() <= 60 ? s : s.substring(0, 60) + "...";
    }
}
