package io.github.cameld1backup;

import io.github.cameld1backup.restore.RestoreResult;
import io.github.cameld1backup.restore.RestoreSteps;
import io.github.cameld1backup.restore.Verifier;
import io.github.cameld1backup.retention.Pruner;
import io.github.cameld1backup.store.Manifest;
import java.util.List;
import java.util.Map;
import org.apache.camel.CamelContext;
import org.apache.camel.CamelExecutionException;
import org.apache.camel.main.Main;

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
        return start(configure(overrides));
    }

    /**
     * The long-running service: schedule, run queue and (unless backup.api.enabled=false) the HTTP
     * API on camel.server.port. Not started; {@code run()} it, or {@code start} it in tests.
     */
    public static Main service(Map<String, String> overrides) {
        // Decided before start-up (it picks which routes load): an option, else the environment.
        boolean api = !"false".equalsIgnoreCase(overrides.getOrDefault("backup.api.enabled",
                System.getenv().getOrDefault("BACKUP_API_ENABLED", "true")));
        Main main = configure(overrides);
        // routes/*.camel.yaml reaches the subfolders too; the one-shot commands exclude these two.
        main.addOverrideProperty("camel.main.routesExcludePattern", "**/*.disabled.camel.yaml"
                + (api ? "" : ",**/routes/api/*.camel.yaml"));
        main.addOverrideProperty("camel.server.enabled", String.valueOf(api));
        main.addOverrideProperty(API, String.valueOf(api));
        return main;
    }

    public static BackupApplication startService(Map<String, String> overrides) throws Exception {
        return start(service(overrides));
    }

    private static Main configure(Map<String, String> overrides) {
        Main main = new Main();
        main.configure().addConfiguration(BackupBeans.class);
        overrides.forEach(main::addOverrideProperty);
        return main;
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

    /** Runs one backup to completion; its failure comes back as the exception that stopped it. */
    public BackupResult backup() throws Exception {
        settings().source(); // a missing or malformed source setting stops here, before any work
        return request("direct:backup", null, BackupResult.class);
    }

    /** The backups of a target (the first configured one when null), newest first. */
    @SuppressWarnings("unchecked")
    public List<Manifest> list(TargetSpec target) throws Exception {
        return request("direct:list-backups", target == null ? settings().targets().get(0) : target, List.class);
    }

    /** Restores a backup (a file, or a name in the first target) into {@code sqlite:PATH} or {@code d1}. */
    public RestoreResult restore(String backup, String to, boolean replace, long resumeFrom) throws Exception {
        return request("direct:restore", backup, RestoreResult.class, Map.of(RestoreSteps.TO, to,
                RestoreSteps.REPLACE, replace, RestoreSteps.RESUME_FROM, resumeFrom));
    }

    /** Applies the retention policy to the first target; a dry run only decides. */
    public Pruner.Report prune(boolean dryRun) throws Exception {
        settings().source(); // which database's backups are in scope
        return request("direct:prune", null, Pruner.Report.class, Map.of(Pruner.DRY_RUN, dryRun));
    }

    /** Loads a backup into a scratch database and checks it against its manifest. */
    public Verifier.Report verify(String backup) throws Exception {
        return request("direct:verify", backup, Verifier.Report.class, Map.of());
    }

    private <T> T request(String uri, Object body, Class<T> type) throws Exception {
        return request(uri, body, type, Map.of());
    }

    private <T> T request(String uri, Object body, Class<T> type, Map<String, Object> headers) throws Exception {
        try {
            return main.getCamelTemplate().requestBodyAndHeaders(uri, body, headers, type);
        } catch (CamelExecutionException e) {
            throw e.getCause() instanceof Exception cause ? cause : e;
        }
    }

    @Override
    public void close() {
        main.stop();
    }
}
