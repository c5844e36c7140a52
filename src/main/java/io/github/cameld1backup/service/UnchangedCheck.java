package io.github.cameld1backup.service;

import io.github.cameld1backup.config.BackupSettings;
import io.github.cameld1backup.config.SourceSpec;
import io.github.cameld1backup.config.TargetSpec;
import io.github.cameld1backup.core.BackupHeaders;
import io.github.cameld1backup.core.BackupProperties;
import io.github.cameld1backup.model.BackupResult;
import io.github.cameld1backup.model.Manifest;
import io.github.cameld1backup.source.SourceVersions;
import io.github.cameld1backup.store.BackupListing;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.UUID;
import org.apache.camel.Body;
import org.apache.camel.Exchange;
import org.apache.camel.ExchangeProperty;
import org.apache.camel.Header;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Bean of routes/unchanged.camel.yaml, the first thing a backup does (backup.skip.unchanged): before the run
 * opens anything, the source's version now (D1: its Time Travel bookmark, one request and no rows read; a
 * SQLite file: {@link SourceVersions#sqlite}) is compared with the one recorded in the manifest of the newest
 * complete backup of this database in the first target. Equal, and that backup exact, in the format the
 * settings ask for now, and (with backup.full.every) the newest full backup younger than that, the run writes
 * nothing and ends with the outcome {@code unchanged}: its result says {@code unchanged since NAME}.
 */
public class UnchangedCheck {

    /** Exchange property: the check of a run while it goes (absent when backup.skip.unchanged is off). */
    public static final String CHECK = "skipUnchangedCheck";
    /** Exchange property: the run's result when the source was unchanged; the backup route then stops. */
    public static final String UNCHANGED = "backupUnchanged";
    /** The {@value BackupHeaders#TRIGGER} of scheduled runs, for which the setting is on unless set. */
    static final String SCHEDULE = "schedule";

    private static final Logger LOG = LoggerFactory.getLogger(UnchangedCheck.class);

    private final BackupListing listing;
    private final RunRegistry registry;
    private final Clock clock;

    public UnchangedCheck(BackupListing listing, RunRegistry registry, Clock clock) {
        this.listing = listing;
        this.registry = registry;
        this.clock = clock;
    }

    /** One run's check: when it began, the source's version now, the requests it made of the source. */
    public static final class Check {
        private final BackupSettings settings;
        private final Instant startedAt;
        private String current;
        private long requests;

        Check(BackupSettings settings, Instant startedAt) {
            this.settings = settings;
            this.startedAt = startedAt;
        }

        /** The kind of source ({@code d1}, {@code sqlite}) whose version the route reads. */
        public String sourceKind() {
            return settings.source().kind();
        }
    }

    /**
     * Route step: whether backup.skip.unchanged applies to this run (unset: on for scheduled runs, header
     * {@value BackupHeaders#TRIGGER} {@value #SCHEDULE}, off otherwise). If so, the check goes into {@value #CHECK}
     * (and a D1 source's id where the D1 routes read it); if not, nothing is done and the run goes on.
     */
    public void start(@ExchangeProperty(BackupProperties.SETTINGS) BackupSettings settings,
                      @Header(BackupHeaders.TRIGGER) String trigger, Exchange exchange) {
        exchange.removeProperty(UNCHANGED);
        exchange.removeProperty(CHECK);
        if (!settings.skipUnchanged(SCHEDULE.equals(trigger))) {
            return;
        }
        SourceSpec source = settings.source();
        exchange.setProperty(CHECK, new Check(settings, clock.instant()));
        if (source.kind().equals(SourceSpec.D1)) {
            exchange.setProperty(BackupProperties.D1_DATABASE, source.location());
        }
    }

    /** D1: the bookmark {@code direct:time-travel-bookmark} answered, the database's current state. */
    public void bookmark(@Body String bookmark, @ExchangeProperty(CHECK) Check check) {
        check.current = bookmark;
        check.requests++;
    }

    /** A SQLite file: its version now. */
    public void file(@ExchangeProperty(CHECK) Check check) {
        check.current = SourceVersions.sqlite(Path.of(check.settings.source().location()));
    }

    /**
     * Compares the source's version with the newest backup of this database in the first target. Unchanged: the
     * run's result goes into {@value #UNCHANGED} and the body, its report into {@value BackupProperties#REPORT}, for
     * the route's reporting steps. Otherwise the run goes on (and says why at INFO). A target that cannot be listed
     * does not stop the backup: the run goes on.
     */
    public void compare(@ExchangeProperty(CHECK) Check check, Exchange exchange) {
        BackupSettings settings = check.settings;
        TargetSpec target = settings.primaryTarget();
        List<Manifest> backups;
        try {
            backups = listing.list(target).stream().filter(m -> BackupListing.isOf(m, settings)).toList();
        } catch (Exception e) {
            LOG.warn("backup.skip.unchanged: cannot list {} ({}); backing up", target.describe(), e.getMessage());
            return;
        }
        Optional<String> reason = reasonToBackUp(backups, check.current, settings, clock.instant());
        if (reason.isPresent()) {
            LOG.info("backup.skip.unchanged: backing up, {}", reason.get());
            return;
        }
        Manifest since = backups.get(0);
        String claimed = exchange.getMessage().getHeader(RunRegistry.RUN_ID, String.class);
        BackupResult result = BackupResult.unchanged(claimed != null ? claimed : UUID.randomUUID().toString(),
                since.database().name(), since.object(), target.locationOf(since.object()), check.requests,
                Duration.between(check.startedAt, clock.instant()));
        Map<String, Object> report = new LinkedHashMap<>();
        report.put("run", result.runId());
        report.put("database", result.database());
        report.put("unchangedSince", since.object());
        report.put("objects", List.of());
        report.put("sourceVersion", check.current);
        report.put("requests", check.requests);
        report.put("durationMs", result.duration().toMillis());
        exchange.setProperty(UNCHANGED, result);
        exchange.setProperty(BackupProperties.REPORT, report);
        exchange.removeProperty(CHECK);
        exchange.getMessage().setBody(result);
        LOG.info("Backup {} of {}: unchanged since {}, nothing written ({} requests)", result.runId(),
                result.database(), since.object(), check.requests);
    }

    /** The run's status for whoever polls it ({@code unchanged}), set after it was reported. */
    public void status(@ExchangeProperty(UNCHANGED) BackupResult result,
                       @ExchangeProperty(BackupProperties.SETTINGS) BackupSettings settings) {
        registry.unchanged(settings.database().orElse(null), result);
    }

    /**
     * Why this run must back up, given this database's backups in the first target (newest first) and the
     * source's version now; empty when it need not: the newest backup recorded the same version, is an exact
     * copy, has the compression and encryption the settings ask for now, was verified if backup.verify is on, and
     * the newest full backup is younger than backup.full.every (when set).
     */
    static Optional<String> reasonToBackUp(List<Manifest> newestFirst, String current, BackupSettings settings,
                                           Instant now) {
        if (current == null || current.isBlank()) {
            return Optional.of("the source's version could not be read");
        }
        if (newestFirst.isEmpty()) {
            return Optional.of("no backup of this database in " + settings.primaryTarget().describe() + " yet");
        }
        Manifest newest = newestFirst.get(0);
        if (newest.sourceVersion() == null) {
            return Optional.of("the newest backup " + newest.object() + " recorded no source version (the source"
                    + " changed while it was read, or it was taken before versions were recorded)");
        }
        if (!newest.sourceVersion().equals(current)) {
            return Optional.of("the source changed since " + newest.object());
        }
        if (!newest.exactCopy()) {
            return Optional.of(newest.object() + " is not an exact copy of the source");
        }
        if (!settings.compression().equals(newest.compression())
                || newest.encryption() == null || !settings.encryption().equals(newest.encryption().scheme())
                || settings.encryption().equals("age") && !new HashSet<>(settings.ageRecipients()).equals(
                        new HashSet<>(Objects.requireNonNullElse(newest.encryption().recipients(), List.of())))) {
            return Optional.of("the compression or encryption asked for now differs from " + newest.object() + "'s");
        }
        if (settings.verify() && (newest.verification() == null || !newest.verification().ok())) {
            return Optional.of("backup.verify is on and " + newest.object() + " was not verified");
        }
        Optional<Duration> fullEvery = settings.fullEvery();
        if (fullEvery.isPresent()) {
            Optional<Manifest> full = newestFirst.stream().filter(m -> !m.incremental()).findFirst();
            if (full.isEmpty()) {
                return Optional.of("backup.full.every is set and there is no full backup");
            }
            Instant taken;
            try {
                taken = Instant.parse(full.get().startedAt());
            } catch (DateTimeParseException | NullPointerException e) {
                return Optional.of("the newest full backup " + full.get().object() + " has no readable start time");
            }
            if (!taken.plus(fullEvery.get()).isAfter(now)) {
                return Optional.of("the newest full backup " + full.get().object() + " is older than backup.full.every ("
                        + fullEvery.get() + ")");
            }
        }
        return Optional.empty();
    }
}
