package io.github.cameld1backup.config;

import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.time.DateTimeException;
import java.time.Duration;
import java.time.ZoneId;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.function.Function;
import java.util.regex.Pattern;
import org.quartz.CronExpression;

/**
 * Settings resolved once from Camel properties (application.properties, then environment
 * variables: a key's upper-case form with dots as underscores, e.g. d1.database.id is
 * D1_DATABASE_ID; then command-line options). Anything missing or malformed stops start-up
 * with a message naming the setting.
 */
public final class BackupSettings {

    private static final Pattern HEX32 = Pattern.compile("[0-9a-fA-F]{32}");
    private static final Pattern BUCKET = Pattern.compile("[a-z0-9][a-z0-9-]{1,61}[a-z0-9]");
    private static final Pattern UUID = Pattern.compile("[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}");

    /** Per-database keys: {@code database.<name>.<key>} overrides {@code <key>} for that database. */
    public static final String DATABASE_KEY_PREFIX = "database.";

    private final Function<String, Optional<String>> properties;
    /** The configured database these settings are for; null for the single unnamed database. */
    private final String database;
    private SourceSpec source;
    private final List<TargetSpec> targets;
    private final String compression;
    private final String encryption;
    private final Path workDirectory;
    private final PageSizing pageSizing;
    private final int maxStatementBytes;
    private final String databaseName;
    private final Exclusions exclusions;
    private final String mode;
    private final PrivateKey manifestSigningKey;
    private final PublicKey manifestPublicKey;

    private BackupSettings(Function<String, Optional<String>> properties, String database) {
        this.properties = properties;
        this.database = database;
        this.workDirectory = Path.of(optional("backup.work.dir").orElse(System.getProperty("java.io.tmpdir")))
                .toAbsolutePath();
        this.targets = parseTargets(optional("backup.target").orElse(""));
        this.compression = oneOf("backup.compression", "gzip", List.of("gzip", "none"));
        this.encryption = parseEncryption();
        this.pageSizing = new PageSizing(
                positiveInt("backup.page.initial.rows"), positiveInt("backup.page.max.rows"),
                positiveInt("backup.page.target.bytes"));
        this.maxStatementBytes = positiveInt("backup.statement.max.bytes");
        this.databaseName = optional("d1.database.name").orElse(database);
        this.exclusions = Exclusions.parse(list("backup.exclude"));
        this.mode = oneOf("backup.mode", "paged", List.of("paged", "export"));
        this.manifestSigningKey = optional("manifest.signing.key")
                .map(v -> ManifestSigning.privateKey(name("manifest.signing.key"), v)).orElse(null);
        this.manifestPublicKey = optional("manifest.public.key")
                .map(v -> ManifestSigning.publicKey(name("manifest.public.key"), v)).orElse(null);
    }

    /** Resolves and validates; {@code properties} answers a key with its value, blank meaning unset. */
    public static BackupSettings resolve(Function<String, Optional<String>> properties) {
        return new BackupSettings(properties, null);
    }

    /**
     * The settings of the database configured as {@code name}: every key is first looked up as
     * {@code database.<name>.<key>}, then deployment-wide. Resolved and validated now.
     */
    public BackupSettings forDatabase(String name) {
        Function<String, Optional<String>> own = key -> properties.apply(DATABASE_KEY_PREFIX + name + "." + key)
                .filter(v -> !v.isBlank());
        return new BackupSettings(key -> own.apply(key).or(() -> properties.apply(key)), name);
    }

    /** These settings with some keys given values of their own (a route template's parameters). */
    public BackupSettings withOverrides(Map<String, String> values) {
        return new BackupSettings(key -> Optional.ofNullable(values.get(key)).or(() -> properties.apply(key)), database);
    }

    /** The configured database name (--database, backup.databases); empty for the single unnamed database. */
    public Optional<String> database() {
        return Optional.ofNullable(database);
    }

    /** Names of the databases configured in backup.databases, in order; empty for one unnamed database. */
    public List<String> databaseNames() {
        return list("backup.databases");
    }

    /** {@code paged} (our own keyset-paged queries) or {@code export} (D1's /export endpoint). */
    public String mode() {
        return mode;
    }

    /** How long D1's export may take before the run gives up on it (backup.export.timeout). */
    public Duration exportTimeout() {
        return duration("backup.export.timeout");
    }

    /** Pause between polls of D1's export (backup.export.poll.interval). */
    public Duration exportPollInterval() {
        return duration("backup.export.poll.interval");
    }

    /** Tables and columns whose data is left out of this database's backups. */
    public Exclusions exclusions() {
        return exclusions;
    }

    /**
     * What to back up, resolved and checked on first use (commands that only read backups, such
     * as {@code list}, do not need database settings).
     */
    public synchronized SourceSpec source() {
        if (source == null) {
            source = parseSource(optional("backup.source").orElse(""));
        }
        return source;
    }

    public List<TargetSpec> targets() {
        return targets;
    }

    /** The target that list, the API and restore read from: the first one configured. */
    public TargetSpec primaryTarget() {
        return targets.get(0);
    }

    /** {@code gzip} or {@code none}. */
    public String compression() {
        return compression;
    }

    /** {@code none}, {@code aes-256-gcm} or {@code age}. */
    public String encryption() {
        return encryption;
    }

    /** The AES-256-GCM key as 64 hex characters, if configured. */
    public Optional<String> encryptionKey() {
        return optional("encryption.key");
    }

    /** age X25519 recipients ({@code age1...}) to encrypt to. */
    public List<String> ageRecipients() {
        return list("age.recipients");
    }

    /** age identities ({@code AGE-SECRET-KEY-1...}) to decrypt with, for restore and verify. */
    public List<String> ageIdentities() {
        return list("age.identity");
    }

    /** MANIFEST_SIGNING_KEY: the Ed25519 key each backup's manifest is signed with, if set. */
    public Optional<PrivateKey> manifestSigningKey() {
        return Optional.ofNullable(manifestSigningKey);
    }

    /**
     * MANIFEST_PUBLIC_KEY: when set, restore and verify load only backups whose manifests (every link's, for a
     * chain) carry a good signature under this key.
     */
    public Optional<PublicKey> manifestPublicKey() {
        return Optional.ofNullable(manifestPublicKey);
    }

    /** How old an unfinished multipart upload of a backup must be before a run aborts it. */
    public Duration abandonedUploadAge() {
        return duration("backup.upload.abandoned.after");
    }

    /** {@code TOTP_SECRET}: the base32 secret of the TOTP codes, if set. */
    public Optional<String> totpSecret() {
        return optional("totp.secret");
    }

    /** The HMAC algorithm of the TOTP codes (totp.algorithm, default SHA1). */
    public String totpAlgorithm() {
        return optional("totp.algorithm").orElse("SHA1");
    }

    /** How many digits a TOTP code has (totp.digits). */
    public int totpDigits() {
        return positiveInt("totp.digits");
    }

    /** How long one TOTP code is valid (totp.step, in seconds). */
    public Duration totpStep() {
        return Duration.ofSeconds(positiveInt("totp.step"));
    }

    /** The static API key (backup.api.key), if set. */
    public Optional<String> apiKey() {
        return optional("backup.api.key");
    }

    /** The addresses the HTTP API answers (backup.api.allow). */
    public List<String> apiAllow() {
        return list("backup.api.allow");
    }

    /** Where BACKUP_API_ALLOW's github-actions ranges come from: GitHub's meta API (backup.api.github.meta.url). */
    public String apiGithubMetaUrl() {
        String url = optional("backup.api.github.meta.url").orElseThrow(() -> new IllegalArgumentException(
                name("backup.api.github.meta.url") + " is not set"));
        httpUrl("backup.api.github.meta.url", url);
        return url;
    }

    /** How often the github-actions ranges are fetched again (backup.api.github.meta.refresh). */
    public Duration apiGithubMetaRefresh() {
        return positiveDuration("backup.api.github.meta.refresh");
    }

    /** After a failed fetch of the github-actions ranges, how soon it is tried again (backup.api.github.meta.retry). */
    public Duration apiGithubMetaRetry() {
        return positiveDuration("backup.api.github.meta.retry");
    }

    /** Failed API authentications allowed per client (backup.api.failures.per.client) within {@link #apiClientFailureWindow()}. */
    public int apiFailuresPerClient() {
        return positiveInt("backup.api.failures.per.client");
    }

    public Duration apiClientFailureWindow() {
        return duration("backup.api.failures.client.window");
    }

    /** Failed API authentications allowed in all (backup.api.failures.total) within {@link #apiTotalFailureWindow()}. */
    public int apiFailuresTotal() {
        return positiveInt("backup.api.failures.total");
    }

    public Duration apiTotalFailureWindow() {
        return duration("backup.api.failures.total.window");
    }

    /** audit.refusals.window: refused API requests that checked nothing are counted per client over this long. */
    public Duration auditRefusalsWindow() {
        Duration window = duration("audit.refusals.window");
        if (window.isNegative() || window.isZero()) {
            throw new IllegalArgumentException(name("audit.refusals.window") + " must be a positive duration such as PT1M");
        }
        return window;
    }

    /** How long an HTTP connection may stay silent both ways (backup.api.idle.timeout). */
    public Duration apiIdleTimeout() {
        return positiveDuration("backup.api.idle.timeout");
    }

    /** How long a client has to send a request's headers (backup.api.header.timeout). */
    public Duration apiHeaderTimeout() {
        return positiveDuration("backup.api.header.timeout");
    }

    /** How long a client has to send a whole request, headers and body (backup.api.request.timeout). */
    public Duration apiRequestTimeout() {
        return positiveDuration("backup.api.request.timeout");
    }

    /** The host names the HTTP server answers for (backup.api.hosts); empty: any. */
    public List<String> apiHosts() {
        List<String> hosts = list("backup.api.hosts").stream().map(h -> h.toLowerCase(Locale.ROOT)).toList();
        for (String h : hosts) {
            if (!h.matches("[a-z0-9.-]+|\\[[0-9a-f:.]+]")) {
                throw new IllegalArgumentException(name("backup.api.hosts") + " must list host names without a port,"
                        + " such as backup.example.com or 127.0.0.1 ([::1] for IPv6), got '" + h + "'");
            }
        }
        return hosts;
    }

    private Duration positiveDuration(String key) {
        Duration d = duration(key);
        if (d.toMillis() < 1) {
            throw new IllegalArgumentException(name(key) + " must be a positive duration such as PT10S, got '" + d + "'");
        }
        return d;
    }

    private Duration duration(String key) {
        String v = optional(key).orElseThrow(() -> new IllegalArgumentException(name(key) + " is not set"));
        try {
            return Duration.parse(v);
        } catch (DateTimeParseException e) {
            throw new IllegalArgumentException(name(key) + " must be an ISO-8601 duration such as PT15M, got '"
                    + v + "'");
        }
    }

    /** The D1 database a restore writes to: a setting of its own, so a restore never lands on the backup's source by accident. */
    public String restoreD1DatabaseId() {
        requireD1Api("edit");
        String id = require("restore.d1.database.id", UUID, "the UUID of the D1 database to restore into (its own"
                + " setting, not D1_DATABASE_ID)");
        return id.toLowerCase(Locale.ROOT);
    }

    /** Where and as whom the D1 API is called (the routes read it); never printed with its token. */
    public record D1Api(String baseUrl, String accountId, String token) {
        @Override
        public String toString() {
            return "D1Api[" + baseUrl + ", account " + accountId + "]";
        }
    }

    public D1Api d1Api() {
        return new D1Api(optional("cloudflare.api.base.url").orElse(""), optional("cloudflare.account.id").orElse(""),
                optional("cloudflare.api.token").orElse(""));
    }

    /**
     * Bytes of SQL that tables dumped ahead of their turn keep in memory (backup.parallel.memory.bytes),
     * shared by the run's tables; past it they wait in scratch files.
     */
    public int parallelMemoryBytes() {
        return count("backup.parallel.memory.bytes");
    }

    /**
     * Bytes of SQL that tables dumped ahead of their turn may keep in scratch files once the memory
     * budget is used (backup.parallel.scratch.bytes); a table that would pass it waits for its turn.
     */
    public long parallelScratchBytes() {
        String value = optional("backup.parallel.scratch.bytes").orElse("0");
        try {
            long n = Long.parseLong(value);
            if (n >= 0) {
                return n;
            }
        } catch (NumberFormatException ignored) {
            // reported below
        }
        throw new IllegalArgumentException(name("backup.parallel.scratch.bytes")
                + " must be a whole number of bytes, 0 or more, got '" + value + "'");
    }

    /**
     * Rowids per segment below which a table is not cut (backup.parallel.split.rows): a rowid table
     * spanning twice this or more is read in up to backup.parallelism segments at once.
     */
    public int parallelSplitRows() {
        return positiveInt("backup.parallel.split.rows");
    }

    /** gzip's level, 1 to 9 (backup.compression.level). */
    public int compressionLevel() {
        int level = positiveInt("backup.compression.level");
        if (level > 9) {
            throw new IllegalArgumentException(name("backup.compression.level") + " must be 1 to 9, got " + level);
        }
        return level;
    }

    /** Tables dumped at once (backup.parallelism): D1's requests are bound by latency, not by D1. */
    public int parallelism() {
        return positiveInt("backup.parallelism");
    }

    /**
     * Segments of one table read at once: D1's are bound by request latency, so backup.parallelism of
     * them; a SQLite file's by this machine's CPU (SQLite formats the rows), so no more than its cores.
     */
    public int readersAtOnce() {
        int configured = parallelism();
        return source().kind().equals(SourceSpec.D1) ? configured
                : Math.min(configured, Runtime.getRuntime().availableProcessors());
    }

    public int d1RequestsPerWindow() {
        return positiveInt("d1.requests.per.window");
    }

    public Duration d1RequestWindow() {
        return duration("d1.request.window");
    }

    public int d1Retries() {
        return count("d1.retries");
    }

    public Duration d1RetryDelay() {
        return duration("d1.retry.delay");
    }

    public Duration d1RetryMaxWait() {
        return duration("d1.retry.max.wait");
    }

    /**
     * The folder the replicas of a deployment share (backup.cluster = file:DIR): leader election
     * for the schedules and the run locks live there. Empty for a single replica.
     */
    public Optional<Path> clusterFolder() {
        return optional("backup.cluster").map(v -> {
            if (!v.toLowerCase(Locale.ROOT).startsWith("file:") || v.length() <= "file:".length()) {
                throw new IllegalArgumentException(name("backup.cluster") + " must be file:DIR, a folder every replica"
                        + " shares, got '" + v + "'");
            }
            return Path.of(v.substring("file:".length())).toAbsolutePath().normalize();
        });
    }

    /** Quartz cron of this database's scheduled backups (backup.cron, seconds first). */
    public String cron() {
        return cronExpression("backup.cron");
    }

    /** Quartz cron of the retention schedule (retention.cron). */
    public String retentionCron() {
        return cronExpression("retention.cron");
    }

    /** Time zone of the schedules (backup.cron.time.zone). */
    public String cronTimeZone() {
        String zone = optional("backup.cron.time.zone").orElse("UTC");
        try {
            return ZoneId.of(zone).getId();
        } catch (DateTimeException e) {
            throw new IllegalArgumentException(name("backup.cron.time.zone") + " is not a time zone: '" + zone + "'");
        }
    }

    private String cronExpression(String key) {
        String cron = optional(key).orElseThrow(() -> new IllegalArgumentException(name(key) + " is not set"));
        if (!CronExpression.isValidExpression(cron)) {
            throw new IllegalArgumentException(name(key) + " is not a Quartz cron expression (seconds first, e.g."
                    + " '0 0 3 * * ?'), got '" + cron + "'");
        }
        return cron;
    }

    /** How often a replica renews or tries to take leadership (backup.cluster.interval). */
    public Duration clusterInterval() {
        return duration("backup.cluster.interval");
    }

    /**
     * Whether a backup holds only what changed since the newest backup of the first target
     * (backup.incremental); a full backup is taken instead when none can serve as its parent.
     */
    public boolean incremental() {
        return Boolean.parseBoolean(optional("backup.incremental").orElse("false"));
    }

    /**
     * backup.incremental.tables: TABLE:COLUMN entries, COLUMN a key or a modification time that only
     * grows; table names as the schema spells them (matched without regard to case), in order.
     */
    public Map<String, String> incrementalTables() {
        Map<String, String> out = new LinkedHashMap<>();
        for (String entry : list("backup.incremental.tables")) {
            int colon = entry.lastIndexOf(':');
            if (colon <= 0 || colon == entry.length() - 1) {
                throw new IllegalArgumentException(name("backup.incremental.tables") + " takes TABLE:COLUMN entries,"
                        + " got '" + entry + "'");
            }
            out.put(entry.substring(0, colon).trim(), entry.substring(colon + 1).trim());
        }
        return out;
    }

    /** backup.full.every: an incremental becomes a full backup when the newest full is older than this. */
    public Optional<Duration> fullEvery() {
        return optional("backup.full.every").map(v -> duration("backup.full.every"));
    }

    /**
     * backup.skip.unchanged: nothing is written when the source has not changed since the newest
     * complete backup of the first target. Unset: {@code scheduled} (on for scheduled runs, off for the command).
     */
    public boolean skipUnchanged(boolean scheduled) {
        return optional("backup.skip.unchanged").map(Boolean::parseBoolean).orElse(scheduled);
    }

    /**
     * subject.references: implicit references a data subject's erasure follows like foreign keys,
     * {@code CHILD.COLUMN->PARENT.COLUMN} entries (tables that hold another's keys with no FK declared).
     */
    public String subjectReferences() {
        return optional("subject.references").orElse("");
    }

    /** subject.policy.TABLE: what an erasure does to that table's rows: delete, set-null or redact:COL;COL. */
    public Optional<String> subjectPolicy(String table) {
        return optional("subject.policy." + table);
    }

    /** subject.max.rows: a subject matching more rows than this in any backup is refused without --force. */
    public int subjectMaxRows() {
        return positiveInt("subject.max.rows");
    }

    /**
     * subject.hash.key: the key of the keyed hash (HMAC-SHA256) that stands for a data subject's value in the
     * erasure ledger and the audit log; when unset, one derived from encryption.key.
     */
    public Optional<String> subjectHashKey() {
        return optional("subject.hash.key");
    }

    /** Whether every dump is loaded and checked before it is stored (backup.verify). */
    public boolean verify() {
        return Boolean.parseBoolean(optional("backup.verify").orElse("false"));
    }

    /**
     * The defaults of every setting (camel-d1-backup.properties in the jar), given to Camel as initial
     * properties: the lowest rank, below the application's own properties and the environment.
     */
    public static Properties defaults() {
        Properties defaults = new Properties();
        try (InputStream in = BackupSettings.class.getResourceAsStream("/camel-d1-backup.properties")) {
            defaults.load(new InputStreamReader(in, StandardCharsets.UTF_8));
        } catch (IOException | NullPointerException e) {
            throw new IllegalStateException("camel-d1-backup.properties is missing from the jar", e);
        }
        return defaults;
    }

    /** Whether backups are pruned after each backup and on the retention schedule (retention.enabled). */
    public boolean retentionEnabled() {
        return Boolean.parseBoolean(optional("retention.enabled").orElse("false"));
    }

    /** How many of the newest backups retention keeps (retention.keep.last); likewise the daily to yearly counts below. */
    public int retentionKeepLast() {
        return count("retention.keep.last");
    }

    public int retentionKeepDaily() {
        return count("retention.keep.daily");
    }

    public int retentionKeepWeekly() {
        return count("retention.keep.weekly");
    }

    public int retentionKeepMonthly() {
        return count("retention.keep.monthly");
    }

    public int retentionKeepYearly() {
        return count("retention.keep.yearly");
    }

    /** Backups younger than this are all kept (retention.keep.within; zero when unset). */
    public Duration retentionKeepWithin() {
        return optional("retention.keep.within").map(v -> duration("retention.keep.within")).orElse(Duration.ZERO);
    }

    /** Backups younger than this are never pruned (retention.min.age). */
    public Duration retentionMinAge() {
        return duration("retention.min.age");
    }

    /** The time zone days, weeks, months and years of retention are counted in (retention.time.zone). */
    public ZoneId retentionTimeZone() {
        String zone = optional("retention.time.zone").orElse("UTC");
        try {
            return ZoneId.of(zone);
        } catch (DateTimeException e) {
            throw new IllegalArgumentException(name("retention.time.zone") + " is not a time zone: '" + zone + "'");
        }
    }

    private int count(String key) {
        String v = optional(key).orElse("0");
        try {
            int n = Integer.parseInt(v);
            if (n >= 0) {
                return n;
            }
        } catch (NumberFormatException ignored) {
            // reported below
        }
        throw new IllegalArgumentException(name(key) + " must be a whole number of 0 or more, got '" + v + "'");
    }

    public int restoreRequestBytes() {
        return positiveInt("restore.d1.request.bytes");
    }

    public int restoreRequestStatements() {
        return positiveInt("restore.d1.request.statements");
    }

    /** R2 connection, present when R2 is a target. */
    public Optional<R2Settings> r2() {
        return targets.stream().anyMatch(t -> t.kind().equals(TargetSpec.R2)) ? Optional.of(r2Settings()) : Optional.empty();
    }

    /** Connection settings of R2 (or any S3-compatible store). */
    public record R2Settings(String accessKeyId, String secretAccessKey, String endpoint, String region) {
        @Override
        public String toString() {
            return "R2Settings[endpoint=" + endpoint + ", region=" + region + "]"; // never the keys
        }
    }

    public Path workDirectory() {
        return workDirectory;
    }

    public PageSizing pageSizing() {
        return pageSizing;
    }

    public int maxStatementBytes() {
        return maxStatementBytes;
    }

    /** The configured D1 database name, if any (else the API is asked). */
    public Optional<String> databaseName() {
        return Optional.ofNullable(databaseName);
    }

    /**
     * The name backups of this source carry: d1.database.name, else the configured database name, else
     * a SQLite file's base name; empty for D1 without either (the API is asked).
     */
    public Optional<String> backupName() {
        SourceSpec s = source();
        return databaseName().or(() -> s.kind().equals(SourceSpec.SQLITE)
                ? Optional.of(Path.of(s.location()).getFileName().toString().replaceFirst("\\.[^.]*$", ""))
                : Optional.empty());
    }

    private SourceSpec parseSource(String value) {
        String v = value.trim();
        if (v.isEmpty()) {
            // Zero configuration: D1 when a database is configured, else the bundled sample.
            if (optional("d1.database.id").isPresent()) {
                return d1Source();
            }
            return new SourceSpec(SourceSpec.SQLITE, SampleDatabase.materialize(workDirectory).toString());
        }
        if (v.equalsIgnoreCase(SourceSpec.D1)) {
            return d1Source();
        }
        if (v.toLowerCase(Locale.ROOT).startsWith("sqlite:") && v.length() > "sqlite:".length()) {
            Path path = Path.of(v.substring("sqlite:".length())).toAbsolutePath();
            if (!Files.isRegularFile(path)) {
                throw new IllegalArgumentException("SQLite database not found: " + path
                        + " (from backup.source / BACKUP_SOURCE / --source)");
            }
            return new SourceSpec(SourceSpec.SQLITE, path.toString());
        }
        throw new IllegalArgumentException("backup.source (BACKUP_SOURCE, --source) must be 'd1' or 'sqlite:PATH', got '"
                + v + "'");
    }

    /**
     * Which database the backups are of, without the API credentials a backup needs: prune and list
     * only match manifests, by D1 database id or SQLite backup name.
     */
    public SourceSpec sourceIdentity() {
        String v = optional("backup.source").orElse("").trim();
        if (v.equalsIgnoreCase(SourceSpec.D1) || v.isEmpty() && optional("d1.database.id").isPresent()) {
            return new SourceSpec(SourceSpec.D1, require("d1.database.id", UUID,
                    "a D1 database UUID (wrangler d1 list shows it)").toLowerCase(Locale.ROOT));
        }
        return source();
    }

    private SourceSpec d1Source() {
        requireD1Api("read");
        String id = require("d1.database.id", UUID, "a D1 database UUID (wrangler d1 list shows it)");
        return new SourceSpec(SourceSpec.D1, id.toLowerCase(Locale.ROOT));
    }

    /** What every call to the D1 API needs: the account, a token with this permission, the API's URL. */
    private void requireD1Api(String permission) {
        require("cloudflare.account.id", HEX32, "a 32-character hexadecimal Cloudflare account id");
        require("cloudflare.api.token", Pattern.compile("\\S+"), "an API token with D1 " + permission + " permission");
        httpUrl("cloudflare.api.base.url", optional("cloudflare.api.base.url").orElse(""));
    }

    /**
     * A comma-separated list of {@code file:DIR}, {@code r2} (bucket R2_BUCKET) or {@code r2:BUCKET}.
     * Empty: R2 when R2_BUCKET is set, else {@code file:backups}.
     */
    private List<TargetSpec> parseTargets(String value) {
        String v = value.trim();
        if (v.isEmpty()) {
            v = optional("r2.bucket").isPresent() ? "r2" : "file:backups";
        }
        List<TargetSpec> out = new ArrayList<>();
        for (String part : v.split(",")) {
            String t = part.trim();
            String lower = t.toLowerCase(Locale.ROOT);
            if (lower.startsWith("file:") && t.length() > "file:".length()) {
                out.add(TargetSpec.file(Path.of(t.substring("file:".length())).toAbsolutePath().normalize()));
            } else if (lower.equals("r2") || lower.startsWith("r2:") && t.length() > 3) {
                String bucket = lower.equals("r2")
                        ? require("r2.bucket", BUCKET, "an R2 bucket name (3-63 lower-case letters, digits, hyphens)")
                        : t.substring(3);
                if (!BUCKET.matcher(bucket).matches()) {
                    throw new IllegalArgumentException("backup.target (BACKUP_TARGET, --target): '" + bucket
                            + "' is not a valid bucket name");
                }
                r2Settings(); // fails start-up now if credentials are missing
                out.add(TargetSpec.r2(bucket, prefix(), partSize()));
            } else {
                throw new IllegalArgumentException("backup.target (BACKUP_TARGET, --target) must be a comma-separated list"
                        + " of 'file:DIR', 'r2' or 'r2:BUCKET', got '" + t + "'");
            }
        }
        if (out.stream().map(TargetSpec::describe).distinct().count() != out.size()) {
            throw new IllegalArgumentException("backup.target (BACKUP_TARGET, --target) names the same target twice");
        }
        return List.copyOf(out);
    }

    /** Multipart part size: R2 and S3 refuse parts under 5 MiB (but the last) and over 5 GiB. */
    private int partSize() {
        int size = positiveInt("backup.upload.part.size");
        if (size < 5 * 1024 * 1024) {
            throw new IllegalArgumentException(name("backup.upload.part.size") + " must be at least 5242880 (5 MiB):"
                    + " R2 and S3 refuse smaller parts, got " + size);
        }
        return size;
    }

    private R2Settings r2Settings() {
        String access = require("r2.access.key.id", Pattern.compile("\\S+"), "an R2 access key id");
        String secret = require("r2.secret.access.key", Pattern.compile("\\S+"), "an R2 secret access key");
        String endpoint = optional("r2.endpoint").orElseGet(() -> "https://"
                + require("cloudflare.account.id", HEX32, "a 32-character hexadecimal Cloudflare account id (or set"
                + " R2_ENDPOINT)") + ".r2.cloudflarestorage.com");
        httpUrl("r2.endpoint", endpoint);
        return new R2Settings(access, secret, endpoint, optional("r2.region").orElse("auto"));
    }

    /** Key prefix inside the bucket; ends with "/" unless empty. */
    private String prefix() {
        String p = optional("backup.prefix").orElse("");
        if (p.startsWith("/") || p.contains("..") || p.contains("//")) {
            throw new IllegalArgumentException("BACKUP_PREFIX (backup.prefix) must be a relative key prefix such as"
                    + " 'd1/prod/', got '" + p + "'");
        }
        return p.isEmpty() || p.endsWith("/") ? p : p + "/";
    }

    /**
     * {@code backup.encryption} if set; else age when recipients are set, AES-256-GCM when a key is
     * set, none otherwise. The chosen scheme's key material is checked now.
     */
    private String parseEncryption() {
        String scheme = optional("backup.encryption").map(s -> s.toLowerCase(Locale.ROOT)).orElseGet(() -> {
            boolean age = !list("age.recipients").isEmpty();
            boolean aes = optional("encryption.key").isPresent();
            if (age && aes) {
                throw new IllegalArgumentException("both AGE_RECIPIENTS and ENCRYPTION_KEY are set: choose one with"
                        + " BACKUP_ENCRYPTION (backup.encryption) = age or aes-256-gcm");
            }
            return age ? "age" : aes ? "aes-256-gcm" : "none";
        });
        switch (scheme) {
            case "none":
                return scheme;
            case "aes-256-gcm":
                require("encryption.key", Pattern.compile("[0-9a-fA-F]{64}"),
                        "64 hexadecimal characters (32 bytes, e.g. from: openssl rand -hex 32)");
                return scheme;
            case "age":
                if (list("age.recipients").isEmpty()) {
                    throw new IllegalArgumentException(name("age.recipients")
                            + " is not set: it must list age public keys (age1...) to encrypt to");
                }
                AgeRecipients.check(list("age.recipients"));
                return scheme;
            default:
                throw new IllegalArgumentException("BACKUP_ENCRYPTION (backup.encryption) must be none, aes-256-gcm or"
                        + " age, got '" + scheme + "'");
        }
    }

    private String oneOf(String key, String fallback, List<String> allowed) {
        String v = optional(key).map(s -> s.toLowerCase(Locale.ROOT)).orElse(fallback);
        if (!allowed.contains(v)) {
            throw new IllegalArgumentException(name(key) + " must be one of " + allowed + ", got '" + v + "'");
        }
        return v;
    }

    private List<String> list(String key) {
        return optional(key).map(v -> Arrays.stream(v.split("[,\\s]+")).filter(s -> !s.isBlank()).toList())
                .orElse(List.of());
    }

    private void httpUrl(String key, String value) {
        try {
            URI uri = URI.create(value);
            if (!("https".equals(uri.getScheme()) || "http".equals(uri.getScheme())) || uri.getHost() == null) {
                throw new IllegalArgumentException();
            }
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(name(key) + " must be an http(s) URL, got '" + value + "'");
        }
    }

    private String require(String key, Pattern format, String what) {
        String value = optional(key).orElseThrow(() -> new IllegalArgumentException(
                name(key) + " is not set: it must be " + what));
        if (!format.matcher(value).matches()) {
            // Never echo the value: it may be a secret pasted into the wrong variable.
            throw new IllegalArgumentException(name(key) + " is malformed: it must be " + what);
        }
        return value;
    }

    private int positiveInt(String key) {
        String value = optional(key).orElseThrow(() -> new IllegalArgumentException(name(key) + " is not set"));
        try {
            int n = Integer.parseInt(value);
            if (n > 0) {
                return n;
            }
        } catch (NumberFormatException ignored) {
            // reported below
        }
        throw new IllegalArgumentException(name(key) + " must be a positive whole number, got '" + value + "'");
    }

    private Optional<String> optional(String key) {
        return properties.apply(key).map(String::trim).filter(s -> !s.isEmpty());
    }

    /** "D1_DATABASE_ID (d1.database.id)": the environment name users set, and the property key. */
    static String describe(String key) {
        return key.toUpperCase(Locale.ROOT).replace('.', '_').replace('-', '_') + " (" + key + ")";
    }

    /** As {@link #describe(String)}, naming the configured database whose setting it is. */
    private String name(String key) {
        return database == null ? describe(key) : describe(key) + " of database '" + database + "' (or "
                + describe(DATABASE_KEY_PREFIX + database + "." + key) + ")";
    }
}
