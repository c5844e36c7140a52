package io.github.cameld1backup.example;

import org.apache.camel.main.Main;

/**
 * An ordinary camel-main application. Nothing here is about backups: camel-d1-backup's jar brings its
 * routes and beans, and camel/backups.camel.yaml instantiates its route template for two databases.
 */
public final class ExampleApplication {

    private ExampleApplication() {
    }

    public static void main(String[] args) throws Exception {
        new Main().run(args);
    }
}
