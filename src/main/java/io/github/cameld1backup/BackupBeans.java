package io.github.cameld1backup;

import io.github.cameld1backup.api.AdminPage;
import io.github.cameld1backup.api.ApiGuard;
import io.github.cameld1backup.api.ApiSessions;
import io.github.cameld1backup.api.GithubActionsRanges;
import io.github.cameld1backup.api.Totp;
import io.github.cameld1backup.config.BackupSettings;
import io.github.cameld1backup.config.Databases;
import io.github.cameld1backup.dump.DumpEncoding;
import io.github.cameld1backup.dump.SqlDump;
import io.github.cameld1backup.export.ExportBeans;
import io.github.cameld1backup.format.AesGcmDataFormat;
import io.github.cameld1backup.format.AgeDataFormat;
import io.github.cameld1backup.format.GzipDataFormat;
import io.github.cameld1backup.model.RunSteps;
import io.github.cameld1backup.restore.RestoreSteps;
import io.github.cameld1backup.retention.Pruner;
import io.github.cameld1backup.restore.Verifier;
import io.github.cameld1backup.service.BackupLifecycle;
import io.github.cameld1backup.service.RunRegistry;
import io.github.cameld1backup.service.Schedules;
import io.github.cameld1backup.service.UnchangedCheck;
import io.github.cameld1backup.store.AbandonedUploads;
import io.github.cameld1backup.store.BackupListing;
import io.github.cameld1backup.incremental.IncrementalPlanner;
import io.github.cameld1backup.api.ApiResponses;
import io.github.cameld1backup.observe.Alerts;
import io.github.cameld1backup.observe.AuditLog;
import io.github.cameld1backup.api.BackupDownload;
import io.github.cameld1backup.api.Health;
import io.github.cameld1backup.api.ListedBackups;
import io.github.cameld1backup.api.SubjectApi;
import io.github.cameld1backup.observe.BackupMetrics;
import io.github.cameld1backup.observe.BackupProgress;
import io.github.cameld1backup.store.PartialCopies;
import io.github.cameld1backup.store.R2Objects;
import io.github.cameld1backup.store.StoredBackups;
import io.github.cameld1backup.subject.BackupRewriter;
import io.github.cameld1backup.subject.ErasedCopies;
import io.github.cameld1backup.subject.ErasureLedger;
import io.github.cameld1backup.subject.LedgerEraser;
import io.github.cameld1backup.subject.SubjectRequests;
import java.time.Clock;
import java.time.Duration;
import java.util.Optional;
import java.util.function.Supplier;
import io.github.cameld1backup.store.R2ClientFactory;
import java.util.stream.Stream;
import software.amazon.awssdk.services.s3.S3Client;
import io.github.cameld1backup.schema.SchemaDiscovery;
import io.github.cameld1backup.source.D1Calls;
import io.github.cameld1backup.source.D1RequestBudget;
import io.github.cameld1backup.source.D1Responses;
import io.github.cameld1backup.source.SqliteQuery;
import org.apache.camel.CamelConfiguration;
import org.apache.camel.CamelContext;
import org.apache.camel.ProducerTemplate;
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
        Supplier<ProducerTemplate> templates = sharedTemplate(context);
        BackupSettings settings = BackupSettings.resolve(properties::resolveProperty);
        Registry registry = context.getRegistry();
        registry.bind("backupSettings", settings);
        Totp.from(settings); // a malformed TOTP secret stops start-up, whatever the command
        Databases databases = new Databases(settings);
        registry.bind("databases", databases);
        RunRegistry runs = new RunRegistry(settings.clusterFolder().orElse(null));
        registry.bind("runRegistry", runs);
        registry.bind("backupLifecycle", new BackupLifecycle(runs));
        registry.bind("schemaDiscovery", new SchemaDiscovery());
        BackupProgress progress = new BackupProgress(templates, Clock.systemUTC(),
                Duration.parse(properties.resolveProperty("backup.progress.interval").orElse("PT10S")));
        registry.bind(BackupProgress.BEAN, progress);
        registry.bind("sqlDump", new SqlDump(progress));
        if (enabled(properties, "camel.metrics.enabled") || enabled(properties, BackupApplication.API)) {
            BackupMetrics.bind(registry); // served on /metrics; one-shot commands have nobody to read them
        } else {
            registry.bind(BackupMetrics.BEAN, BackupMetrics.none()); // the backup route's reporting step counts nothing
        }
        registry.bind("dumpThreads", context.getExecutorServiceManager().newFixedThreadPool(this, "dump-table",
                settings.parallelism()));
        registry.bind("dumpEncoding", new DumpEncoding(templates));
        registry.bind("sqliteQuery", new SqliteQuery());
        registry.bind("d1Responses", new D1Responses());
        // One budget for the process, or with backup.cluster one shared by every replica through a file there.
        registry.bind("d1Calls", new D1Calls(templates, new D1RequestBudget(Clock.systemUTC(), settings.d1RequestsPerWindow(),
                settings.d1RequestWindow(), settings.clusterFolder().orElse(null)), settings.d1Retries(),
                settings.d1RetryDelay(), settings.d1RetryMaxWait()));
        registry.bind("runSteps", new RunSteps());
        ExportBeans.bind(registry); // backup.mode=export and Time Travel bookmarks
        int cores = Runtime.getRuntime().availableProcessors();
        registry.bind("gzipFormat", new GzipDataFormat(context.getExecutorServiceManager().newFixedThreadPool(this,
                "gzip", cores), cores, settings.compressionLevel()));
        registry.bind("aesGcmFormat", new AesGcmDataFormat(settings.encryptionKey().orElse(null)));
        registry.bind("ageFormat", new AgeDataFormat(settings.ageRecipients(), settings.ageIdentities()));
        // aws2-s3 endpoints name this client (amazonS3Client=#r2Client); only built when R2 is a target of
        // some database. One R2 connection per deployment: databases choose buckets and prefixes.
        Stream.concat(Stream.of(settings), databases.all().stream())
                .map(BackupSettings::r2).flatMap(Optional::stream).findFirst()
                .ifPresent(r2 -> registry.bind("r2Client", R2ClientFactory.create(r2)));
        Supplier<S3Client> s3 = () -> context.getRegistry().lookupByNameAndType("r2Client", S3Client.class);
        R2Objects r2Objects = new R2Objects(templates); // list, get, head, put and delete through aws2-s3 operations
        registry.bind("backupListing", new BackupListing(r2Objects));
        // Aborting multipart uploads has no aws2-s3 operation: the one bean still on the S3Client.
        registry.bind("abandonedUploads", new AbandonedUploads(s3, settings.abandonedUploadAge()));
        registry.bind("partialCopies", new PartialCopies(r2Objects));
        StoredBackups storedBackups = new StoredBackups(r2Objects);
        AuditLog audit = new AuditLog(properties.resolveProperty("audit.location").orElse(""), r2Objects,
                settings.auditRefusalsWindow(), Clock.systemUTC());
        registry.bind("auditLog", audit);
        try {
            context.addService(audit); // stopped with the context: the refusals still counted are written
        } catch (Exception e) {
            throw new IllegalStateException("cannot register the audit log: " + e.getMessage(), e);
        }
        registry.bind("alerts", new Alerts(properties.resolveProperty("alert.webhook.url").orElse(""),
                properties.resolveProperty("alert.format").orElse(""),
                Boolean.parseBoolean(properties.resolveProperty("alert.on.success").orElse("false"))));
        ApiResponses responses = new ApiResponses(audit);
        registry.bind("apiResponses", responses);
        registry.bind("backupDownload", new BackupDownload(registry.lookupByNameAndType("backupListing",
                BackupListing.class), r2Objects));
        registry.bind("health", new Health(context, runs, responses));
        registry.bind("restoreSteps", new RestoreSteps(r2Objects, audit, templates));
        registry.bind("verifier", new Verifier(audit));
        // Data-subject requests (routes/subject.camel.yaml) and the erasure ledger every restore and verify applies.
        BackupListing listing = registry.lookupByNameAndType("backupListing", BackupListing.class);
        ErasedCopies erasedCopies = new ErasedCopies(templates);
        ErasureLedger ledger = new ErasureLedger(context, r2Objects);
        registry.bind("ledgerEraser", new LedgerEraser(ledger, erasedCopies));
        registry.bind("subjectRequests", new SubjectRequests(listing, ledger, erasedCopies,
                new BackupRewriter(listing, erasedCopies, storedBackups, audit, templates), audit));
        registry.bind("incrementalPlanner", new IncrementalPlanner(registry.lookupByNameAndType("backupListing",
                BackupListing.class)));
        registry.bind("pruner", new Pruner(registry.lookupByNameAndType("backupListing", BackupListing.class), storedBackups,
                audit));
        registry.bind("unchangedCheck", new UnchangedCheck(registry.lookupByNameAndType("backupListing",
                BackupListing.class), runs, Clock.systemUTC())); // backup.skip.unchanged
        registry.bind("schedules", new Schedules(runs, databases, registry.lookupByNameAndType("backupListing",
                BackupListing.class)));
        if (Boolean.parseBoolean(properties.resolveProperty(BackupApplication.API).orElse("false"))) {
            // BACKUP_API_ALLOW's github-actions: GitHub's Actions ranges, fetched by routes/api/allowlist.camel.yaml.
            GithubActionsRanges github = GithubActionsRanges.from(settings, Clock.systemUTC(),
                    BackupMetrics.of(context).registry());
            registry.bind("githubActions", github);
            ApiGuard guard = ApiGuard.from(settings, Clock.systemUTC(), github);
            registry.bind("apiGuard", guard);
            registry.bind("apiSessions", new ApiSessions(guard, ApiSessions
                    .ttl(properties.resolveProperty("backup.api.session.ttl").orElse("")), Clock.systemUTC()));
            registry.bind("adminPage", new AdminPage());
            registry.bind("listedBackups", new ListedBackups());
            registry.bind("subjectApi", new SubjectApi(registry.lookupByNameAndType("subjectRequests",
                    SubjectRequests.class)));
        }
    }

    private static boolean enabled(PropertiesComponent properties, String key) {
        return properties.resolveProperty(key).map(Boolean::parseBoolean).orElse(false);
    }

    /**
     * The one ProducerTemplate the beans that call routes share (it is thread-safe): made on first use,
     * once the context runs, instead of one per call.
     */
    private static Supplier<ProducerTemplate> sharedTemplate(CamelContext context) {
        return new Supplier<>() {
            private volatile ProducerTemplate template;

            @Override
            public ProducerTemplate get() {
                if (template == null) {
                    synchronized (this) {
                        if (template == null) {
                            template = context.createProducerTemplate();
                        }
                    }
                }
                return template;
            }
        };
    }
}
