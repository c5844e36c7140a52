package io.github.cameld1backup;

import io.github.cameld1backup.api.ApiHttpServer;
import io.github.cameld1backup.config.BackupSettings;
import io.github.cameld1backup.config.ConfigFile;
import io.github.cameld1backup.config.Databases;
import io.github.cameld1backup.config.TargetSpec;
import io.github.cameld1backup.core.BackupHeaders;
import io.github.cameld1backup.subject.SubjectReport;
import io.github.cameld1backup.model.BackupResult;
import io.github.cameld1backup.model.RestoreResult;
import io.github.cameld1backup.model.Verification;
import io.github.cameld1backup.retention.Pruner;
import io.github.cameld1backup.model.Manifest;
import io.github.cameld1backup.service.Schedules;
import io.github.cameld1backup.store.Listing;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import org.apache.camel.CamelContext;
import org.apache.camel.CamelExecutionException;
import org.apache.camel.main.BaseMainSupport;
import org.apache.camel.main.Main;
import org.apache.camel.main.MainListenerSupport;

/**
 * One Camel context with the project's routes and beans: started by each command, used, stopped.
 * Options given here override application.properties and the environment.
 */
public final class BackupApplication implements AutoCloseable {

    /** Set by the run command: the HTTP API is served (needs TOTP_SECRET). */
    static final String API = "backup.service.api";

    private final Main main;

    private BackupApplication(Main main) {
        this.main = main;
    }

    /** Core routes only: for one-shot commands. */
    public static BackupApplication start(Map<String, String> overrides) throws Exception {
        return start(configure(overrides, RouteFiles.includePattern(RouteFiles.CORE)));
    }

    /**
     * The long-running service: schedule, run queue and (unless backup.api.enabled=false) the HTTP
     * API on camel.server.port. Not started; {@code run()} it, or {@code start} it in tests.
     */
    public static Main service(Map<String, String> overrides) {
        // Decided before start-up (it picks which routes load): an option, else the environment.
        boolean api = !"false".equalsIgnoreCase(overrides.getOrDefault("backup.api.enabled",
                System.getenv().getOrDefault("BACKUP_API_ENABLED", "true")));
        Main main = configure(overrides, api
                ? RouteFiles.includePattern(RouteFiles.CORE, RouteFiles.SERVICE, RouteFiles.API)
                : RouteFiles.includePattern(RouteFiles.CORE, RouteFiles.SERVICE));
        main.addOverrideProperty("camel.server.enabled", String.valueOf(api));
        main.addOverrideProperty(API, String.valueOf(api));
        main.addOverrideProperty("camel.metrics.enabled", overrides.getOrDefault("camel.metrics.enabled",
                System.getenv().getOrDefault("CAMEL_METRICS_ENABLED", "true")));
        main.addMainListener(new MainListenerSupport() {
            // camel-main makes its HTTP server (camel.server.*) with the factory it finds in the registry, before
            // BackupBeans runs: bound here, first.
            @Override
            public void beforeConfigure(BaseMainSupport configuring) {
                if (api) {
                    configuring.getCamelContext().getRegistry().bind("apiHttpServerFactory", new ApiHttpServer.Factory());
                }
            }

            // The schedules are made per database from route templates, once the routes are loaded.
            @Override
            public void afterConfigure(BaseMainSupport configured) {
                try {
                    Schedules.addTo(configured.getCamelContext());
                } catch (Exception e) {
                    throw new IllegalStateException("cannot set up the schedules: " + e.getMessage(), e);
                }
            }
        });
        return main;
    }

    public static BackupApplication startService(Map<String, String> overrides) throws Exception {
        return start(service(overrides));
    }

    /** A Main with the project's beans and settings, loading {@code routes} (a camel.main.routesIncludePattern). */
    private static Main configure(Map<String, String> overrides, String routes) {
        Main main = new Main();
        Properties initial = BackupSettings.defaults();
        initial.setProperty("camel.main.routesIncludePattern", routes);
        main.setInitialProperties(initial);
        main.configure().addConfiguration(BackupBeans.class);
        String config = overrides.getOrDefault("backup.config", System.getenv("BACKUP_CONFIG"));
        if (config != null && !config.isBlank()) {
            // The file's settings rank below the environment and the command line, as its documentation says.
            ConfigFile.load(Path.of(config)).forEach((key, value) -> {
                if (!overrides.containsKey(key) && System.getenv(environmentName(key)) == null) {
                    main.addOverrideProperty(key, value);
                }
            });
        }
        overrides.forEach(main::addOverrideProperty);
        return main;
    }

    /** The environment variable Camel reads for a property: upper case, dots and dashes as underscores. */
    static String environmentName(String key) {
        return key.toUpperCase(Locale.ROOT).replace('.', '_').replace('-', '_');
    }

    private static BackupApplication start(Main main) throws Exception {
        try {
            main.start();
        } catch (Exception e) {
            main.stop();
            throw e;
        }
        return new BackupApplication(main);
    }

    public CamelContext context() {
        return main.getCamelContext();
    }

    public BackupSettings settings() {
        return context().getRegistry().lookupByNameAndType("backupSettings", BackupSettings.class);
    }

    public Databases databases() {
        return context().getRegistry().lookupByNameAndType("databases", Databases.class);
    }

    /** Runs one backup of the only database to completion; its failure comes back as the exception that stopped it. */
    public BackupResult backup() throws Exception {
        return backup(null);
    }

    /** Runs one backup of a configured database (null: the only one). */
    public BackupResult backup(String database) throws Exception {
        databases().settings(database).source(); // a missing or malformed source setting stops here, before any work
        return request("direct:backup", null, BackupResult.class, database, Map.of());
    }

    /** One database's backup in {@link #backupEach}: its result, or the message of what stopped it. */
    public record Outcome(String database, BackupResult result, Exception failure) {
    }

    /** Backs up every configured database in turn; one failing does not stop the others. */
    public List<Outcome> backupEach() {
        List<Outcome> outcomes = new ArrayList<>();
        List<String> names = databases().names();
        for (String name : names.isEmpty() ? Collections.<String>singletonList(null) : names) {
            try {
                outcomes.add(new Outcome(name, backup(name), null));
            } catch (Exception e) {
                outcomes.add(new Outcome(name, null, e));
            }
        }
        return outcomes;
    }

    /** The backups of a target (the database's first one when null), newest first. */
    public List<Manifest> list(TargetSpec target, String database) throws Exception {
        return listing(target, database).backups();
    }

    /** As {@link #list}, with the manifests that could not be read. */
    public Listing listing(TargetSpec target, String database) throws Exception {
        return request("direct:list-backups", target == null ? databases().settings(database).primaryTarget() : target,
                Listing.class, database, Map.of());
    }

    public List<Manifest> list(TargetSpec target) throws Exception {
        return list(target, null);
    }

    /** Restores a backup (a file, or a name in the first target) into {@code sqlite:PATH} or {@code d1}. */
    public RestoreResult restore(String backup, String to, boolean replace, long resumeFrom) throws Exception {
        return restore(backup, to, replace, resumeFrom, null);
    }

    public RestoreResult restore(String backup, String to, boolean replace, long resumeFrom, String database)
            throws Exception {
        return restore(backup, to, replace, resumeFrom, database, null);
    }

    /**
     * As above; an incremental restores its chain (the full backup, then each incremental in order), and
     * {@code at}, when given, names the link of that chain to stop at.
     */
    public RestoreResult restore(String backup, String to, boolean replace, long resumeFrom, String database, String at)
            throws Exception {
        Map<String, Object> headers = new HashMap<>(Map.of(BackupHeaders.RESTORE_TO, to,
                BackupHeaders.RESTORE_REPLACE, replace, BackupHeaders.RESTORE_RESUME_FROM, resumeFrom));
        if (at != null) {
            headers.put(BackupHeaders.RESTORE_AT, at);
        }
        return request("direct:restore", backup, RestoreResult.class, database, headers);
    }

    /** Applies the retention policy to the first target; a dry run only decides. */
    public Pruner.Report prune(boolean dryRun) throws Exception {
        return prune(dryRun, null);
    }

    public Pruner.Report prune(boolean dryRun, String database) throws Exception {
        databases().settings(database).sourceIdentity(); // which database's backups are in scope
        return request("direct:prune", null, Pruner.Report.class, database, Map.of(Pruner.DRY_RUN, dryRun));
    }

    /** Loads a backup into a scratch database and checks it against its manifest. */
    public Verification verify(String backup) throws Exception {
        return verify(backup, null);
    }

    public Verification verify(String backup, String database) throws Exception {
        return request("direct:verify", backup, Verification.class, database, Map.of());
    }

    /**
     * A data-subject request of one database ({@code find}, {@code erase} or {@code status}) for the subject
     * {@code predicate} ({@code TABLE.COLUMN=VALUE}); {@code options}: headers such as
     * {@link BackupHeaders#SUBJECT_FORCE}.
     */
    public SubjectReport subject(String command, String predicate, String database, Map<String, Object> options)
            throws Exception {
        return request("direct:subject-" + command, predicate, SubjectReport.class, database, options);
    }

    private <T> T request(String uri, Object body, Class<T> type, String database, Map<String, Object> headers)
            throws Exception {
        Map<String, Object> all = new HashMap<>(headers);
        if (database != null) {
            all.put(BackupHeaders.DATABASE, database);
        }
        try {
            return main.getCamelTemplate().requestBodyAndHeaders(uri, body, all, type);
        } catch (CamelExecutionException e) {
            throw e.getCause() instanceof Exception cause ? cause : e;
        }
    }

    @Override
    public void close() {
        main.stop();
    }
}
