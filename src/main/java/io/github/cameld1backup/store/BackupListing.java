package io.github.cameld1backup.store;

import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.github.cameld1backup.config.BackupSettings;
import io.github.cameld1backup.config.SourceSpec;
import io.github.cameld1backup.config.TargetSpec;
import io.github.cameld1backup.core.BackupProperties;
import io.github.cameld1backup.core.Failures;
import io.github.cameld1backup.model.Manifest;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.Stream;
import org.apache.camel.Body;
import org.apache.camel.ExchangeProperty;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Bean that lists the backups of a target from their manifests, newest first. Only objects with a
 * manifest count: an object without one was never completed. A manifest that cannot be read (invalid
 * JSON, fields missing, naming another object) is skipped with a warning, never fatal to the listing.
 */
public class BackupListing {

    private static final Logger LOG = LoggerFactory.getLogger(BackupListing.class);
    private final ObjectMapper json = new ObjectMapper();
    private final R2Objects r2;
    /** Broken manifests already warned of (target and name), so each is logged once, not at every listing. */
    private final Set<String> warned = ConcurrentHashMap.newKeySet();

    public BackupListing(R2Objects r2) {
        this.r2 = r2;
    }

    /**
     * The backups in a target; for a database configured by name (backup.databases), only its own
     * (databases may share a bucket and prefix).
     */
    public List<Manifest> listFor(TargetSpec target, BackupSettings settings) throws IOException {
        return scanFor(target, settings).backups();
    }

    /** As {@link #listFor}, with the manifests that had to be skipped (they belong to no database that can be told). */
    public Listing scanFor(@Body TargetSpec target,
                          @ExchangeProperty(BackupProperties.SETTINGS) BackupSettings settings) throws IOException {
        Listing all = scan(target);
        return settings == null || settings.database().isEmpty() ? all
                : new Listing(all.backups().stream().filter(m -> isOf(m, settings)).toList(), all.skipped());
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
        return scan(target).backups();
    }

    /** Every backup of the target, newest first, and the manifests skipped. */
    public Listing scan(TargetSpec target) throws IOException {
        List<Manifest> manifests = new ArrayList<>();
        List<Listing.Skipped> skipped = new ArrayList<>();
        if (target.kind().equals(TargetSpec.FILE)) {
            fromFolder(Path.of(target.location()), target, manifests, skipped);
        } else {
            fromBucket(target, manifests, skipped);
        }
        manifests.sort(Comparator.comparing(Manifest::startedAt).thenComparing(Manifest::object).reversed());
        return new Listing(List.copyOf(manifests), List.copyOf(skipped));
    }

    private void fromFolder(Path dir, TargetSpec target, List<Manifest> out, List<Listing.Skipped> skipped)
            throws IOException {
        if (!Files.isDirectory(dir)) {
            return;
        }
        try (Stream<Path> files = Files.list(dir)) {
            for (Path p : files.filter(BackupListing::isManifest).sorted().toList()) {
                String name = p.getFileName().toString();
                byte[] content;
                try {
                    content = Files.readAllBytes(p);
                } catch (IOException e) {
                    skip(target, name, "unreadable: " + e.getClass().getSimpleName(), skipped);
                    continue;
                }
                read(target, name, content, out, skipped);
            }
        }
    }

    /** Through aws2-s3's listObjects (every page) and getObject, for the manifests. */
    private void fromBucket(TargetSpec target, List<Manifest> out, List<Listing.Skipped> skipped) throws IOException {
        for (String key : r2.keys(target.location(), target.prefix())) {
            // Only this prefix's own level: deeper "folders" belong to other databases or tools.
            if (key.endsWith(Manifest.SUFFIX) && key.indexOf('/', target.prefix().length()) < 0) {
                String name = key.substring(target.prefix().length());
                byte[] content;
                try {
                    content = r2.read(target.location(), key);
                } catch (IOException | RuntimeException e) {
                    skip(target, name, "unreadable: " + Failures.message(e), skipped);
                    continue;
                }
                read(target, name, content, out, skipped);
            }
        }
    }

    /** One manifest, kept when it is whole and names its own object, else skipped with why. */
    private void read(TargetSpec target, String name, byte[] content, List<Manifest> out, List<Listing.Skipped> skipped) {
        JsonNode tree;
        try {
            tree = json.readTree(content);
        } catch (IOException e) {
            JsonLocation at = e instanceof JsonProcessingException p ? p.getLocation() : null;
            skip(target, name, "not valid JSON" + (at == null ? "" : " (line " + at.getLineNr() + ", column "
                    + at.getColumnNr() + ")"), skipped);
            return;
        }
        Manifest m;
        try {
            m = tree == null || tree.isMissingNode() ? null : json.treeToValue(tree, Manifest.class);
        } catch (JsonProcessingException | IllegalArgumentException e) {
            skip(target, name, "not a manifest: a field of the wrong type", skipped);
            return;
        }
        String problem = problem(m, name.substring(0, name.length() - Manifest.SUFFIX.length()));
        if (problem != null) {
            skip(target, name, problem, skipped);
            return;
        }
        out.add(m);
    }

    /** What makes a parsed manifest unusable, or null: the fields listing, download and restore rely on. */
    private static String problem(Manifest m, String object) {
        List<String> missing = new ArrayList<>();
        if (m == null) {
            return "empty";
        }
        if (m.object() == null) {
            missing.add("object");
        }
        if (m.startedAt() == null) {
            missing.add("startedAt");
        }
        if (m.tables() == null) {
            missing.add("tables");
        }
        if (m.sha256() == null) {
            missing.add("sha256");
        }
        if (m.compression() == null) {
            missing.add("compression");
        }
        if (m.encryption() == null || m.encryption().scheme() == null) {
            missing.add("encryption");
        }
        if (!missing.isEmpty()) {
            return "missing " + String.join(", ", missing);
        }
        if (!m.object().equals(object)) {
            return "names another object";
        }
        try {
            Instant.parse(m.startedAt());
        } catch (DateTimeParseException e) {
            return "startedAt is not a time";
        }
        return null;
    }

    private void skip(TargetSpec target, String name, String reason, List<Listing.Skipped> skipped) {
        skipped.add(new Listing.Skipped(name, reason));
        if (warned.add(target.describe() + "/" + name + ": " + reason)) {
            LOG.warn("Skipped manifest {} in {}: {}; its backup is left out of listings until it is repaired or"
                    + " removed", name, target.describe(), reason);
        }
    }

    private static boolean isManifest(Path p) {
        String name = p.getFileName().toString();
        return name.endsWith(Manifest.SUFFIX) && !name.startsWith(".");
    }
}
