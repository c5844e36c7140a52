package io.github.cameld1backup;

import io.github.cameld1backup.config.BackupSettings;
import java.util.ArrayList;
import java.util.List;
import org.apache.camel.CamelContext;
import org.apache.camel.CamelContextAware;
import org.apache.camel.spi.PropertiesComponent;
import org.apache.camel.spi.Resource;
import org.apache.camel.support.PluginHelper;

/**
 * camel-d1-backup inside another Camel application. The jar's {@code camel/camel-d1-backup.camel.yaml},
 * which camel-main loads by default ({@code classpath:camel/*}), declares this bean; when Camel hands
 * it the context, it binds the project's beans and loads its backup, restore and template routes, so
 * the application needs only its own templatedRoute file. The run command's schedule and HTTP API are
 * not loaded: the application triggers runs itself.
 */
public class DropIn implements CamelContextAware {

    private CamelContext context;

    @Override
    public CamelContext getCamelContext() {
        return context;
    }

    @Override
    public void setCamelContext(CamelContext context) {
        this.context = context;
        if (context.getRegistry().lookupByName("databases") != null) {
            return; // the application itself is camel-d1-backup's, or set up already
        }
        // Our defaults rank below everything the application sets; dumps spool to disk, not memory.
        PropertiesComponent properties = context.getPropertiesComponent();
        BackupSettings.defaults().forEach((key, value) -> {
            if (properties.resolveProperty((String) key).isEmpty()) {
                properties.addInitialProperty((String) key, (String) value);
            }
        });
        context.setStreamCaching(true);
        context.getStreamCachingStrategy().setSpoolEnabled(true);
        new BackupBeans().configure(context);
        try {
            // What the one-shot commands load: not the service's schedule and API.
            List<Resource> routes = new ArrayList<>();
            for (String file : RouteFiles.CORE) {
                Resource route = PluginHelper.getResourceLoader(context).resolveResource("classpath:" + file);
                if (!route.exists()) {
                    throw new IllegalStateException(file + " is not on the classpath");
                }
                routes.add(route);
            }
            PluginHelper.getRoutesLoader(context).loadRoutes(routes);
        } catch (Exception e) {
            throw new IllegalStateException("camel-d1-backup could not load its routes: " + e.getMessage(), e);
        }
    }
}
