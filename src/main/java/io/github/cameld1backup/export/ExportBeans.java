package io.github.cameld1backup.export;

import org.apache.camel.spi.Registry;

/** The beans routes/export.camel.yaml and the backup route's mode choice use. */
public final class ExportBeans {

    private ExportBeans() {
    }

    public static void bind(Registry registry) {
        registry.bind("timeTravelBookmarks", new TimeTravelBookmarks());
        registry.bind("exportMode", new ExportMode());
        registry.bind("d1Export", new D1Export());
    }
}
