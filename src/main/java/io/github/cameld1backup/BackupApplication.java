package io.github.cameld1backup;

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

    /** Runs one backup to completion; its failure comes back as the exception that stopped it. */
    public BackupResult backup() throws Exception {
        try {
            return main.getCamelTemplate().requestBody("direct:backup", null, BackupResult.class);
        } catch (CamelExecutionException e) {
            throw e.getCause() instanceof Exception cause ? cause : e;
        }
    }

    @Override
    public void close() {
        main.stop();
    }
}
