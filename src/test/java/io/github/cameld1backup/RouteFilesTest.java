package io.github.cameld1backup;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/** Route files are named in RouteFiles, not scanned for: one left out of the list would never load. */
class RouteFilesTest {

    @Test
    void everyRouteFileOfTheProjectIsListedOnce() throws Exception {
        List<String> onDisk;
        try (Stream<Path> files = Files.walk(Path.of("routes"))) {
            onDisk = files.filter(f -> f.toString().endsWith(".camel.yaml"))
                    .map(f -> f.toString().replace('\\', '/')).sorted().toList();
        }
        List<String> listed = new ArrayList<>(RouteFiles.CORE);
        listed.addAll(RouteFiles.SERVICE);
        listed.addAll(RouteFiles.API);
        assertThat(listed).doesNotHaveDuplicates().containsExactlyInAnyOrderElementsOf(onDisk);
        for (String file : listed) {
            assertThat(RouteFiles.class.getClassLoader().getResource(file)).as(file + " in the jar").isNotNull();
        }
    }
}
