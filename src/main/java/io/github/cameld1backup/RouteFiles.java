package io.github.cameld1backup;

import java.util.ArrayList;
import java.util.List;
import java.util.stream.Collectors;

/**
 * The project's route files, named one by one: a pattern such as {@code classpath:routes/*.camel.yaml}
 * makes Camel read every entry of the runnable jar (some 30,000) to find them, twice per start-up,
 * which cost each command a third of a second. A test checks that every file under routes/ is here.
 */
public final class RouteFiles {

    /** Backup, restore, retention, data-subject requests and the route templates: what every command and the drop-in load. */
    public static final List<String> CORE = List.of("routes/alerts.camel.yaml", "routes/backup.camel.yaml",
            "routes/catalog.camel.yaml", "routes/encode.camel.yaml", "routes/errors.camel.yaml", "routes/export.camel.yaml",
            "routes/incremental.camel.yaml", "routes/restore.camel.yaml", "routes/sources.camel.yaml",
            "routes/subject.camel.yaml", "routes/templates.camel.yaml", "routes/unchanged.camel.yaml");
    /** The run command's schedules, run queue and retention sweep. */
    public static final List<String> SERVICE = List.of("routes/service/retention.camel.yaml",
            "routes/service/runs.camel.yaml", "routes/service/schedule.camel.yaml");
    /** The run command's HTTP API and admin page. */
    public static final List<String> API = List.of("routes/api/admin.camel.yaml", "routes/api/allowlist.camel.yaml",
            "routes/api/api.camel.yaml");

    private RouteFiles() {
    }

    /** A value for {@code camel.main.routesIncludePattern}: the given groups, from the classpath. */
    @SafeVarargs
    static String includePattern(List<String>... groups) {
        List<String> files = new ArrayList<>();
        for (List<String> group : groups) {
            files.addAll(group);
        }
        return files.stream().map(f -> "classpath:" + f).collect(Collectors.joining(","));
    }
}
