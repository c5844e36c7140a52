package io.github.cameld1backup.config;

import io.github.cameld1backup.core.ApiException;
import io.github.cameld1backup.core.BackupHeaders;
import io.github.cameld1backup.core.BackupProperties;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Pattern;
import org.apache.camel.Exchange;
import org.apache.camel.ExchangeProperty;
import org.apache.camel.Handler;
import org.apache.camel.Header;

/**
 * Bean that knows the databases of this deployment: those named in {@code backup.databases}, each
 * with its own settings ({@code database.<name>.<key>}, falling back to the deployment-wide key),
 * or, when none are named, the one database the deployment-wide settings describe. Each route
 * that serves a request starts with {@link #select}, which puts the settings of the database the
 * request names (header {@value BackupHeaders#DATABASE}) into the exchange property {@value BackupProperties#SETTINGS}.
 */
public class Databases {

    private static final Pattern NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,62}");

    private final BackupSettings deployment;
    private final Map<String, BackupSettings> configured = new LinkedHashMap<>();

    /** Resolves and validates every configured database now, so a malformed one stops start-up. */
    public Databases(BackupSettings deployment) {
        this.deployment = deployment;
        for (String name : deployment.databaseNames()) {
            if (!NAME.matcher(name).matches()) {
                throw new IllegalArgumentException("BACKUP_DATABASES (backup.databases): '" + name + "' is not a usable"
                        + " database name (letters, digits, '.', '_', '-'; at most 63)");
            }
            if (configured.put(name, deployment.forDatabase(name)) != null) {
                throw new IllegalArgumentException("BACKUP_DATABASES (backup.databases) names '" + name + "' twice");
            }
        }
    }

    /** The configured names, in order; empty when the deployment backs up one unnamed database. */
    public List<String> names() {
        return List.copyOf(configured.keySet());
    }

    /**
     * The settings for a request: the named database's; with no name, the only database's, or (when
     * several are configured) the deployment-wide settings, which serve requests that need no
     * database, such as restoring a file.
     */
    public BackupSettings settings(String name) {
        if (name == null || name.isBlank()) {
            return configured.size() == 1 ? configured.values().iterator().next() : deployment;
        }
        BackupSettings settings = configured.get(name);
        if (settings == null) {
            throw new UnknownDatabaseException(name, names());
        }
        return settings;
    }

    /** Every database a deployment-wide command covers (backup, prune, list without --database). */
    public List<BackupSettings> all() {
        return configured.isEmpty() ? List.of(deployment) : new ArrayList<>(configured.values());
    }

    /**
     * Route step: the settings of the database named in header {@value BackupHeaders#DATABASE} into {@value BackupProperties#SETTINGS},
     * unless the caller already put settings there (a route made from a template brings its own).
     */
    @Handler
    public void select(Exchange exchange) {
        if (exchange.getProperty(BackupProperties.SETTINGS) == null) {
            exchange.setProperty(BackupProperties.SETTINGS, settings(exchange.getMessage().getHeader(BackupHeaders.DATABASE, String.class)));
        }
    }

    /**
     * Route step of the route templates (routes/templates.camel.yaml): settings from the template's
     * parameters, given as {@code key=value} lines (blank values unset), over the deployment-wide ones.
     */
    public void selectTemplated(@ExchangeProperty("templateSettings") String lines, Exchange exchange) {
        Map<String, String> own = new LinkedHashMap<>();
        for (String line : lines.split("\\R")) {
            int eq = line.indexOf('=');
            if (eq > 0 && !line.substring(eq + 1).isBlank()) {
                own.put(line.substring(0, eq).trim(), line.substring(eq + 1).trim());
            }
        }
        exchange.removeProperty("templateSettings"); // it may hold keys: not kept on the exchange
        exchange.setProperty(BackupProperties.SETTINGS, deployment.withOverrides(own));
    }

    /**
     * Route step of the HTTP API: the database named by the query parameter {@code database}, into
     * header {@value BackupHeaders#DATABASE} and its settings into {@value BackupProperties#SETTINGS}; 404 for an unknown name. With
     * {@code required}, a deployment of several databases must be told which (400).
     */
    public void selectRequested(@Header("database") String name, boolean required, Exchange exchange) {
        if (required && (name == null || name.isBlank()) && configured.size() > 1) {
            throw new ApiException(400, "name the database: ?database=NAME",
                    Map.of("databases", names()), 0);
        }
        try {
            exchange.setProperty(BackupProperties.SETTINGS, settings(name));
        } catch (UnknownDatabaseException e) {
            throw new ApiException(404, "no such database", Map.of("databases", names()), 0);
        }
        exchange.getMessage().setHeader(BackupHeaders.DATABASE, name == null || name.isBlank() ? null : name);
    }

    /**
     * Route step at the top of {@code direct:backup}: a triggered run's own options, headers
     * {@value BackupHeaders#INCREMENTAL} and {@value BackupHeaders#SKIP_UNCHANGED}, over its database's settings
     * (backup.incremental, backup.skip.unchanged) for this run only.
     */
    public void runOptions(Exchange exchange) {
        Map<String, String> own = new LinkedHashMap<>();
        Object incremental = exchange.getMessage().getHeader(BackupHeaders.INCREMENTAL);
        Object skip = exchange.getMessage().getHeader(BackupHeaders.SKIP_UNCHANGED);
        if (incremental != null) {
            own.put("backup.incremental", String.valueOf(incremental));
        }
        if (skip != null) {
            own.put("backup.skip.unchanged", String.valueOf(skip));
        }
        if (!own.isEmpty()) {
            exchange.setProperty(BackupProperties.SETTINGS,
                    exchange.getProperty(BackupProperties.SETTINGS, BackupSettings.class).withOverrides(own));
        }
    }

    /**
     * Route step of the HTTP API: the query parameters {@code incremental} and {@code skipUnchanged} ({@code true}
     * or {@code false}) into the run's headers {@value BackupHeaders#INCREMENTAL} and
     * {@value BackupHeaders#SKIP_UNCHANGED}, which {@link #runOptions} applies; 400 for any other value. Absent,
     * the database's settings decide.
     */
    public void runOptionsRequested(@Header("incremental") String incremental, @Header("skipUnchanged") String skip,
                                    Exchange exchange) {
        header(exchange, BackupHeaders.INCREMENTAL, flag("incremental", incremental));
        header(exchange, BackupHeaders.SKIP_UNCHANGED, flag("skipUnchanged", skip));
    }

    /** Set from the query parameter alone: a header of that name the client sent is dropped. */
    private static void header(Exchange exchange, String name, String value) {
        if (value == null) {
            exchange.getMessage().removeHeader(name);
        } else {
            exchange.getMessage().setHeader(name, value);
        }
    }

    private static String flag(String parameter, String value) {
        if (value == null || value.isBlank()) {
            return null;
        }
        String v = value.trim().toLowerCase(Locale.ROOT);
        if (!v.equals("true") && !v.equals("false")) {
            throw new ApiException(400, parameter + " must be true or false", Map.of(), 0);
        }
        return v;
    }

    /** A request for a database this deployment does not have. */
    public static final class UnknownDatabaseException extends IllegalArgumentException {
        public UnknownDatabaseException(String name, List<String> known) {
            super("no database '" + name + "' is configured" + (known.isEmpty()
                    ? " (BACKUP_DATABASES is not set: there is one unnamed database)"
                    : " (BACKUP_DATABASES: " + String.join(", ", known) + ")"));
        }
    }
}
