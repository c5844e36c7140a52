package io.github.cameld1backup;

import io.github.cameld1backup.dump.SqlDump;
import io.github.cameld1backup.schema.SchemaDiscovery;
import io.github.cameld1backup.source.D1Responses;
import io.github.cameld1backup.source.SqliteQuery;
import org.apache.camel.CamelConfiguration;
import org.apache.camel.CamelContext;
import org.apache.camel.spi.PropertiesComponent;
import org.apache.camel.spi.Registry;

/**
 * Binds the named beans the YAML routes use. Settings are resolved and validated here, before any
 * route starts, so a missing or malformed setting stops start-up with a message naming it.
 */
public class BackupBeans implements CamelConfiguration {

    @Override
    public void configure(CamelContext context) {
        PropertiesComponent properties = context.getPropertiesComponent();
        BackupSettings settings = BackupSettings.resolve(properties::resolveProperty);
        Registry registry = context.getRegistry();
        registry.bind("backupSettings", settings);
        registry.bind("backupLifecycle", new BackupLifecycle(settings));
        registry.bind("schemaDiscovery", new SchemaDiscovery());
        registry.bind("sqlDump", new SqlDump(settings.pageSizing()));
        registry.bind("sqliteQuery", new SqliteQuery());
        registry.bind("d1Responses", new D1Responses());
    }
}
