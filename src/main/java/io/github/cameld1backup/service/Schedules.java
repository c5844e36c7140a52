package io.github.cameld1backup.service;

import io.github.cameld1backup.config.BackupSettings;
import io.github.cameld1backup.config.Databases;
import io.github.cameld1backup.core.BackupHeaders;
import io.github.cameld1backup.store.BackupListing;
import java.nio.file.Path;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.apache.camel.CamelContext;
import org.apache.camel.Header;
import org.apache.camel.builder.TemplatedRouteBuilder;
import org.apache.camel.component.file.cluster.FileLockClusterService;

/**
 * The run command's schedules: one scheduled backup route per database, made from the templates in
 * routes/service/schedule.camel.yaml, and the retention schedule (routes/service/retention.camel.yaml).
 * The trigger URIs are written in those templates; this class only picks the template and fills in
 * its parameters. With a cluster folder (backup.cluster) it picks the {@code -leader} templates, whose
 * quartz consumer is wrapped in {@code master:} under a namespace of its own, and adds a
 * {@link FileLockClusterService} on that folder, so each database's schedule fires on one replica,
 * and different databases may lead on different replicas.
 */
public class Schedules {

    /** The template parameter naming the deployment's only (unnamed) database. */
    static final String ONLY = "*";

    private final RunRegistry runs;
    private final Databases databases;
    private final BackupListing listing;

    public Schedules(RunRegistry runs, Databases databases, BackupListing listing) {
        this.runs = runs;
        this.databases = databases;
        this.listing = listing;
    }

    /** Adds the scheduled routes (and, clustered, the cluster service) to a configured, not yet started context. */
    public static void addTo(CamelContext context) throws Exception {
        BackupSettings deployment = context.getRegistry().lookupByNameAndType("backupSettings", BackupSettings.class);
        Databases databases = context.getRegistry().lookupByNameAndType("databases", Databases.class);
        Optional<Path> cluster = deployment.clusterFolder();
        if (cluster.isPresent()) {
            FileLockClusterService service = new FileLockClusterService();
            service.setId("camel-d1-backup");
            service.setRoot(cluster.get().resolve("leaders").toString());
            service.setAcquireLockInterval(deployment.clusterInterval().toMillis());
            service.setAcquireLockIntervalUnit(TimeUnit.MILLISECONDS);
            service.setAcquireLockDelay(deployment.clusterInterval().toMillis());
            service.setAcquireLockDelayUnit(TimeUnit.MILLISECONDS);
            context.addService(service);
        }
        // The trigger URIs are in the templates; Java picks the template (master:-wrapped when
        // clustered) and gives each database's name, schedule name, cron and time zone.
        for (BackupSettings settings : databases.all()) {
            // Route ids and schedule names: the database's name, or none for the only database.
            String suffix = settings.database().map(n -> "-" + n).orElse("");
            String schedule = "backup" + suffix;
            TemplatedRouteBuilder.builder(context, cluster.isPresent() ? "scheduled-backup-leader" : "scheduled-backup")
                    .routeId("scheduled-backup" + suffix)
                    .parameter("database", settings.database().orElse(ONLY))
                    .parameter("schedule", schedule)
                    .parameter("cron", settings.cron())
                    .parameter("timeZone", settings.cronTimeZone())
                    .add();
            if (cluster.isPresent()) {
                TemplatedRouteBuilder.builder(context, "catch-up-backup")
                        .routeId("catch-up-backup" + suffix)
                        .parameter("database", settings.database().orElse(ONLY))
                        .parameter("schedule", schedule)
                        .add();
            }
        }
        TemplatedRouteBuilder.builder(context, cluster.isPresent() ? "scheduled-prune-leader" : "scheduled-prune")
                .routeId("scheduled-prune")
                .parameter("cron", deployment.retentionCron())
                .parameter("timeZone", deployment.cronTimeZone())
                .add();
    }

    /** The header value naming a template's database: null for the only one. */
    public String header(String database) {
        return ONLY.equals(database) ? null : database;
    }

    /**
     * The id of a run of this database that was cut off with its replica and never stored (no
     * manifest of it in the first target), to be run again; null when there is none.
     */
    public String runToRedo(@Header(BackupHeaders.DATABASE) String database) throws Exception {
        Optional<String> cutOff = runs.interruptedRun(database);
        if (cutOff.isEmpty()) {
            return null;
        }
        BackupSettings settings = databases.settings(database);
        boolean stored = listing.listFor(settings.primaryTarget(), settings).stream()
                .anyMatch(m -> cutOff.get().equals(m.runId()));
        return stored ? null : cutOff.get();
    }
}
