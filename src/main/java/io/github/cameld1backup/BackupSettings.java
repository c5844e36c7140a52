package io.github.cameld1backup;

import io.github.cameld1backup.dump.PageSizing;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Optional;
import java.util.function.Function;
import java.util.regex.Pattern;

/**
 * Settings resolved once from Camel properties (application.properties, then environment
 * variables: a key's upper-case form with dots as underscores, e.g. d1.database.id is
 * D1_DATABASE_ID; then command-line options). Anything missing or malformed stops start-up
 * with a message naming the setting.
 */
public final class BackupSettings {

    private static final Pattern HEX32 = Pattern.compile("[0-9a-fA-F]{32}");
    private static final Pattern UUID = Pattern.compile("[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}");

    private final Function<String, Optional<String>> properties;
    private final SourceSpec source;
    private final Path targetDirectory;
    private final Path workDirectory;
    private final PageSizing pageSizing;
    private final int maxStatementBytes;
    private final String databaseName;

    private BackupSettings(Function<String, Optional<String>> properties) {
        this.properties = properties;
        this.workDirectory = Path.of(optional("backup.work.dir").orElse(System.getProperty("java.io.tmpdir")))
                .toAbsolutePath();
        this.source = parseSource(optional("backup.source").orElse(""));
        this.targetDirectory = parseTarget(optional("backup.target").orElse("file:backups"));
        this.pageSizing = new PageSizing(
                positiveInt("backup.page.initial.rows"), positiveInt("backup.page.max.rows"),
                positiveInt("backup.page.target.bytes"));
        this.maxStatementBytes = positiveInt("backup.statement.max.bytes");
        this.databaseName = optional("d1.database.name").orElse(null);
    }

    /** Resolves and validates; {@code properties} answers a key with its value, blank meaning unset. */
    public static BackupSettings resolve(Function<String, Optional<String>> properties) {
        return new BackupSettings(properties);
    }

    public SourceSpec source() {
        return source;
    }

    public Path targetDirectory() {
        return targetDirectory;
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

    private SourceSpec d1Source() {
        require("cloudflare.account.id", HEX32, "a 32-character hexadecimal Cloudflare account id");
        require("cloudflare.api.token", Pattern.compile("\\S+"), "an API token with D1 read permission");
        String id = require("d1.database.id", UUID, "a D1 database UUID (wrangler d1 list shows it)");
        String base = optional("cloudflare.api.base.url").orElse("");
        try {
            URI uri = URI.create(base);
            if (!("https".equals(uri.getScheme()) || "http".equals(uri.getScheme())) || uri.getHost() == null) {
                throw new IllegalArgumentException();
            }
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(describe("cloudflare.api.base.url") + " must be an http(s) URL, got '"
                    + base + "'");
        }
        return new SourceSpec(SourceSpec.D1, id.toLowerCase(Locale.ROOT));
    }

    private static Path parseTarget(String value) {
        String v = value.trim();
        if (v.toLowerCase(Locale.ROOT).startsWith("file:") && v.length() > "file:".length()) {
            return Path.of(v.substring("file:".length())).toAbsolutePath().normalize();
        }
        throw new IllegalArgumentException("backup.target (BACKUP_TARGET, --target) must be 'file:DIR', got '" + v + "'");
    }

    private String require(String key, Pattern format, String what) {
        String value = optional(key).orElseThrow(() -> new IllegalArgumentException(
                describe(key) + " is not set: it must be " + what));
        if (!format.matcher(value).matches()) {
            // Never echo the value: it may be a secret pasted into the wrong variable.
            throw new IllegalArgumentException(describe(key) + " is malformed: it must be " + what);
        }
        return value;
    }

    private int positiveInt(String key) {
        String value = optional(key).orElseThrow(() -> new IllegalArgumentException(describe(key) + " is not set"));
        try {
            int n = Integer.parseInt(value);
            if (n > 0) {
                return n;
            }
        } catch (NumberFormatException ignored) {
            // reported below
        }
        throw new IllegalArgumentException(describe(key) + " must be a positive whole number, got '" + value + "'");
    }

    private Optional<String> optional(String key) {
        return properties.apply(key).map(String::trim).filter(s -> !s.isEmpty());
    }

    /** "D1_DATABASE_ID (d1.database.id)": the environment name users set, and the property key. */
    static String describe(String key) {
        return key.toUpperCase(Locale.ROOT).replace('.', '_').replace('-', '_') + " (" + key + ")";
    }
}
