package io.github.cameld1backup.observe;

import io.github.cameld1backup.core.BackupProperties;
import io.github.cameld1backup.core.RequestMetrics;
import io.github.cameld1backup.model.BackupResult;
import io.github.cameld1backup.model.BackupRun;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.time.Instant;
import java.util.Collections;
import java.util.Map;
import java.util.WeakHashMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.camel.Body;
import java.util.function.ToDoubleFunction;
import org.apache.camel.CamelContext;
import org.apache.camel.Exchange;
import org.apache.camel.Message;
import org.apache.camel.ExchangeProperty;
import org.apache.camel.component.micrometer.MicrometerConstants;
import org.apache.camel.spi.Registry;

/**
 * Bean holding the backup metrics, tagged {@code database}, in the Prometheus registry Camel's own
 * metrics (routes, JVM) use too. Updated once at the end of each run; scraped on {@code GET /metrics}.
 *
 * <ul>
 *   <li>{@code d1backup_backups_total{outcome="succeeded"|"failed"|"unchanged"}}: runs that ended (unchanged:
 *       the source had not changed since its newest backup, nothing was written; backup.skip.unchanged);</li>
 *   <li>{@code d1backup_last_success_timestamp_seconds}: when the last successful backup ended;</li>
 *   <li>{@code d1backup_last_unchanged_timestamp_seconds}: when a run last found the source unchanged (the newest
 *       backup was current then: a staleness alert takes the later of this and the last success);</li>
 *   <li>{@code d1backup_last_duration_seconds}, {@code d1backup_last_rows}, {@code d1backup_last_sql_size_bytes},
 *       {@code d1backup_last_stored_size_bytes}: the last successful backup;</li>
 *   <li>{@code d1backup_rows_total}, {@code d1backup_sql_bytes_total}, {@code d1backup_stored_bytes_total}:
 *       what successful backups copied;</li>
 *   <li>{@code d1backup_source_requests_total}, {@code d1backup_d1_retries_total}: requests to the source
 *       (D1 API calls or SQLite queries) and retried D1 calls, of every run.</li>
 * </ul>
 */
public class BackupMetrics implements RequestMetrics {

    public static final String BEAN = RequestMetrics.BEAN;
    /** The tag value when a run failed before its database was known. */
    static final String UNKNOWN = "unknown";
    static final String PREFIX = "d1backup.";

    /** Where no metrics are served (one-shot commands): counts nothing, and loads no registry. */
    private static final BackupMetrics NONE = new BackupMetrics(null);

    private final PrometheusMeterRegistry registry;
    private final Map<String, Last> last = new ConcurrentHashMap<>();
    private final Map<String, AtomicLong> unchangedAt = new ConcurrentHashMap<>();
    // Retries counted while a run goes; a run nobody reports on is dropped with it.
    private final Map<BackupRun, AtomicLong> retries = Collections.synchronizedMap(new WeakHashMap<>());

    /** The last successful backup of one database, read by its gauges. */
    private static final class Last {
        final AtomicLong endEpochMillis = new AtomicLong();
        final AtomicLong durationMillis = new AtomicLong();
        final AtomicLong rows = new AtomicLong();
        final AtomicLong sqlBytes = new AtomicLong();
        final AtomicLong storedBytes = new AtomicLong();
    }

    public BackupMetrics(PrometheusMeterRegistry registry) {
        this.registry = registry;
    }

    /**
     * Binds the bean, on the registry Camel's metrics service also uses ({@code metricsRegistry}):
     * one scrape shows both.
     */
    public static BackupMetrics bind(Registry camel) {
        PrometheusMeterRegistry meters = camel.lookupByNameAndType(MicrometerConstants.METRICS_REGISTRY_NAME,
                PrometheusMeterRegistry.class);
        if (meters == null) {
            meters = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
            camel.bind(MicrometerConstants.METRICS_REGISTRY_NAME, meters);
        }
        BackupMetrics metrics = new BackupMetrics(meters);
        camel.bind(BEAN, metrics);
        return metrics;
    }

    /** The bean of a context; one that does nothing where none is bound (metrics off). */
    public static BackupMetrics of(CamelContext context) {
        BackupMetrics metrics = context.getRegistry().lookupByNameAndType(BEAN, BackupMetrics.class);
        return metrics != null ? metrics : NONE;
    }

    /** The bean that counts nothing, bound where no metrics are served so the backup route's steps need no test. */
    public static BackupMetrics none() {
        return NONE;
    }

    /** The backup route's reporting step: a run succeeded, its result in the body. */
    public void backupSucceeded(@ExchangeProperty(BackupProperties.RUN) BackupRun run, @Body BackupResult result) {
        succeeded(run, result);
    }

    /** The failure route's reporting step: a run failed (the run is absent when it failed before it started). */
    public void backupFailed(Exchange exchange) {
        failed(exchange.getProperty(BackupProperties.RUN, BackupRun.class));
    }

    public MeterRegistry registry() {
        return registry;
    }

    /** A D1 call of a backup is retried (restores are not counted). */
    @Override
    public void retried(Exchange exchange) {
        if (registry == null) {
            return;
        }
        BackupRun run = exchange.getProperty(BackupProperties.RUN, BackupRun.class);
        if (run != null) {
            retries.computeIfAbsent(run, r -> new AtomicLong()).incrementAndGet();
        }
    }

    public void succeeded(BackupRun run, BackupResult result) {
        if (registry == null) {
            return;
        }
        String db = database(run);
        ended(run, db, "succeeded");
        counter("rows", db, null, "rows copied by successful backups").increment(result.rows());
        counter("sql", db, "bytes", "bytes of SQL written by successful backups").increment(result.sqlBytes());
        counter("stored", db, "bytes", "bytes stored by successful backups (one copy)").increment(result.storedBytes());
        Last l = last.computeIfAbsent(db, this::gauges);
        l.durationMillis.set(result.duration().toMillis());
        l.rows.set(result.rows());
        l.sqlBytes.set(result.sqlBytes());
        l.storedBytes.set(result.storedBytes());
        l.endEpochMillis.set(Instant.now().toEpochMilli());
    }

    /**
     * The skip check's reporting step (routes/unchanged.camel.yaml): a run found the source unchanged and wrote
     * nothing; its result (naming the backup it is unchanged since) in the body.
     */
    public void backupUnchanged(@Body BackupResult result) {
        if (registry == null) {
            return;
        }
        String db = result.database() == null ? UNKNOWN : result.database();
        Counter.builder(PREFIX + "backups").tag("database", db).tag("outcome", "unchanged")
                .description("backup runs that ended, by outcome").register(registry).increment();
        counter("source.requests", db, null, "requests to the source (D1 API calls or SQLite queries)")
                .increment(result.requests());
        AtomicLong at = unchangedAt.computeIfAbsent(db, d -> {
            AtomicLong value = new AtomicLong();
            Gauge.builder(PREFIX + "last.unchanged.timestamp", value, v -> v.get() / 1000.0).tag("database", d)
                    .baseUnit("seconds").description("when a run last found the source unchanged since its newest"
                            + " backup (Unix time)").register(registry);
            return value;
        });
        at.set(Instant.now().toEpochMilli());
    }

    /** A run failed; {@code run} is null when it failed before it started. */
    public void failed(BackupRun run) {
        if (registry == null) {
            return;
        }
        ended(run, database(run), "failed");
    }

    private void ended(BackupRun run, String db, String outcome) {
        Counter.builder(PREFIX + "backups").tag("database", db).tag("outcome", outcome)
                .description("backup runs that ended, by outcome").register(registry).increment();
        if (run != null) {
            counter("source.requests", db, null, "requests to the source (D1 API calls or SQLite queries)")
                    .increment(run.requests());
            AtomicLong retried = retries.remove(run);
            counter("d1.retries", db, null, "D1 API calls retried").increment(retried == null ? 0 : retried.get());
        }
    }

    private Counter counter(String name, String db, String unit, String description) {
        return Counter.builder(PREFIX + name).tag("database", db).baseUnit(unit).description(description)
                .register(registry);
    }

    private Last gauges(String db) {
        Last l = new Last();
        gauge("last.success.timestamp", db, "seconds", "when the last successful backup ended (Unix time)", l,
                x -> x.endEpochMillis.get() / 1000.0);
        gauge("last.duration", db, "seconds", "how long the last successful backup took", l,
                x -> x.durationMillis.get() / 1000.0);
        gauge("last.rows", db, null, "rows in the last successful backup", l, x -> x.rows.get());
        gauge("last.sql.size", db, "bytes", "SQL bytes of the last successful backup", l, x -> x.sqlBytes.get());
        gauge("last.stored.size", db, "bytes", "stored bytes of the last successful backup", l,
                x -> x.storedBytes.get());
        return l;
    }

    private void gauge(String name, String db, String unit, String description, Last l,
                       ToDoubleFunction<Last> value) {
        // The gauges read l, which the map keeps alive for as long as the registry.
        Gauge.builder(PREFIX + name, l, value).tag("database", db).baseUnit(unit).description(description)
                .register(registry);
    }

    private static String database(BackupRun run) {
        if (run == null) {
            return UNKNOWN;
        }
        if (!run.needsDatabaseName()) {
            return run.databaseName();
        }
        // A D1 run that failed before its name was read: its name in backup.databases, never the database id.
        return run.settings().database().orElse(UNKNOWN);
    }

    /** Answers {@code GET /metrics}: Prometheus' text format. */
    public void scrape(Exchange exchange) {
        Message m = exchange.getMessage();
        m.removeHeaders("*"); // nothing the client sent goes back
        m.setBody(registry.scrape());
        m.setHeader(Exchange.CONTENT_TYPE, "text/plain; version=0.0.4; charset=utf-8");
        m.setHeader(Exchange.HTTP_RESPONSE_CODE, 200);
        m.setHeader("Cache-Control", "no-store");
        m.setHeader("X-Content-Type-Options", "nosniff");
    }
}
