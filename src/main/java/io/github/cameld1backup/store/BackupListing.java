package io.github.cameld1backup.store;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.github.cameld1backup.config.BackupSettings;
import io.github.cameld1backup.config.SourceSpec;
import io.github.cameld1backup.config.TargetSpec;
import io.github.cameld1backup.core.BackupProperties;
import io.github.cameld1backup.model.Manifest;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Stream;
import org.apache.camel.Body;
import org.apache.camel.ExchangeProperty;

/**
 * Bean that lists the backups of a target from their manifests, newest first. Only objects with a
 * manifest count: an object without one was never completed.
 */
public class BackupListing {

    private final ObjectMapper json = new ObjectMapper();
    private final R2Objects r2;

    public BackupListing(R2Objects r2) {
        this.r2 = r2;
    }

    /**
     * The backups in a target; for a database configured by name (backup.databases), only its own
     * (databases may share a bucket and prefix).
     */
    public List<Manifest> listFor(@Body TargetSpec target,
                               @ExchangeProperty(BackupProperties.SETTINGS)
                               BackupSettings settings) throws IOException {
        List<Manifest> all = list(target);
        return settings == null || settings.database().isEmpty() ? all
                : all.stream().filter(m -> isOf(m, settings)).toList();
    }

    /** Whether a stored backup is of this database: the same D1 database, or a SQLite source under the same name. */
    public static boolean isOf(Manifest m, BackupSettings settings) {
        if (m.database() == null) {
            return false;
        }
        SourceSpec source = settings.sourceIdentity();
        return source.kind().equals(SourceSpec.D1)
                ? source.location().equalsIgnoreCase(String.valueOf(m.database().id()))
                : SourceSpec.SQLITE.equals(m.database().source())
                        && m.database().name() != null && m.database().name().equals(settings.backupName().orElse(null));
    }

    public List<Manifest> list(TargetSpec target) throws IOException {
        List<Manifest> manifests = target.kind().equals(TargetSpec.FILE) ? fromFolder(Path.of(target.location()))
                : fromBucket(target);
        return manifests.stream()
                .sorted(Comparator.comparing(Manifest::startedAt).thenComparing(Manifest::object).reversed())
                .toList();
    }

    private List<Manifest> fromFolder(Path dir) throws IOException {
        if (!Files.isDirectory(dir)) {
            return List.of();
        }
        List<Manifest> out = new ArrayList<>();
        try (Stream<Path> files = Files.list(dir)) {
            for (Path p : files.filter(BackupListing::isManifest).toList()) {
                out.add(json.readValue(p.toFile(), Manifest.class));
            }
        }
        return out;
    }

    /** Through aws2-s3's listObjects (every page) and getObject, for the manifests. */
    private List<Manifest> fromBucket(TargetSpec target) throws IOException {
        List<Manifest> out = new ArrayList<>();
        for (String key : r2.keys(target.location(), target.prefix())) {
            // Only this prefix's own level: deeper "folders" belong to other databases or tools.
            if (key.endsWith(Manifest.SUFFIX) && key.indexOf('/', target.prefix().length()) < 0) {
                out.add(json.readValue(r2.read(target.location(), key), Manifest.class));
            }
        }
        return out;
    }

    private static boolean isManifest(Path p) {
        String name = p.getFileName().toString();
        return name.endsWith(Manifest.SUFFIX) && !name.startsWith(".");
    }
}
