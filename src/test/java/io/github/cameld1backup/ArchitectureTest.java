package io.github.cameld1backup;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static com.tngtech.archunit.library.Architectures.layeredArchitecture;
import static com.tngtech.archunit.library.dependencies.SlicesRuleDefinition.slices;

import com.tngtech.archunit.core.importer.ImportOption;
import com.tngtech.archunit.junit.AnalyzeClasses;
import com.tngtech.archunit.junit.ArchTest;
import com.tngtech.archunit.lang.ArchRule;
import com.tngtech.archunit.library.Architectures.LayeredArchitecture;
import java.util.ArrayList;
import java.util.List;

/**
 * The packages depend one way. Layers, bottom to top (a package may use only packages of lower
 * rows; packages on one row do not use each other):
 *
 * <pre>
 * core                      exchange property and header names, ApiException, Failures
 * sql                       SQL text, scripts, the dump writer
 * config                    settings (values only), database and target specs
 * source                    D1 and SQLite calls
 * schema                    schema discovery and model
 * model                     BackupRun, BackupResult, Manifest, RestoreRun/Result, Verification
 * dump, store, format       paged dump, backup objects and listings, data formats
 * observe                   metrics, progress, audit log, alerts
 * restore, export, retention, incremental
 * subject                   data-subject requests: find and erase a person's rows in one SQLite file
 * service                   BackupLifecycle, RunRegistry, Schedules
 * api                       the HTTP API
 * cli                       the command line's terminal output (the progress bar)
 * (root)                    wiring and entry: BackupApplication, BackupBeans, RouteFiles, DropIn, BackupCli
 * </pre>
 */
@AnalyzeClasses(packages = "io.github.cameld1backup", importOptions = ImportOption.DoNotIncludeTests.class)
class ArchitectureTest {

    private static final String BASE = "io.github.cameld1backup";

    /** Bottom to top; the packages of one row are peers. */
    private static final List<List<String>> LAYERS = List.of(
            List.of("core"),
            List.of("sql"),
            List.of("config"),
            List.of("source"),
            List.of("schema"),
            List.of("model"),
            List.of("dump", "store", "format"),
            List.of("observe"),
            List.of("restore", "export", "retention", "incremental"),
            List.of("subject"),
            List.of("service"),
            List.of("api"),
            List.of("cli"),
            List.of("root"));

    @ArchTest
    static final ArchRule noPackageCycles = slices().matching(BASE + ".(*)..").should().beFreeOfCycles();

    @ArchTest
    static final ArchRule layersDependDownwards = layers();

    @ArchTest
    static final ArchRule rootIsOnlyWiring = noClasses()
            .that().resideOutsideOfPackage(BASE)
            .should().dependOnClassesThat().resideInAPackage(BASE)
            .because("the root package only wires the application together and starts it");

    private static ArchRule layers() {
        LayeredArchitecture architecture = layeredArchitecture().consideringOnlyDependenciesInLayers();
        for (List<String> row : LAYERS) {
            for (String layer : row) {
                architecture = architecture.layer(layer).definedBy(layer.equals("root") ? BASE : BASE + "." + layer + "..");
            }
        }
        for (int i = 0; i < LAYERS.size(); i++) {
            List<String> above = new ArrayList<>();
            LAYERS.subList(i + 1, LAYERS.size()).forEach(above::addAll);
            for (String layer : LAYERS.get(i)) {
                architecture = above.isEmpty()
                        ? architecture.whereLayer(layer).mayNotBeAccessedByAnyLayer()
                        : architecture.whereLayer(layer).mayOnlyBeAccessedByLayers(above.toArray(String[]::new));
            }
        }
        return architecture;
    }
}
