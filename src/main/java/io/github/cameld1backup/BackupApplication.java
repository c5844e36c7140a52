package io.github.cameld1backup;

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

    private final Main main;

    private BackupApplication(Main main) {
        this.main = main;
    }

    public static BackupApplication start(Map<String, String> overrides) throws Exception {
        Main main = new Main();
        main.configure().addConfiguration(BackupBeans.class);
        overrides.forEach(main::addOverrideProperty);
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

    private <T> T request(String uri, Object body, Class<T> type) throws Exception {
        try {
            return main.getCamelTemplate().requestBody(uri, body, type);
        } catch (CamelExecutionException e) {
            throw e.getCause() instanceof Exception cause ? cause : e;
        }
    }

    @Override
    public void close() {
        main.stop();
    }
}
