package io.github.cameld1backup.restore;

import io.github.cameld1backup.model.Manifest;
import io.github.cameld1backup.model.RestoreRun;
import io.github.cameld1backup.model.Verification;
import io.github.cameld1backup.model.BackupNames;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;

/**
 * The backups a restore or verify loads, oldest first: a full backup alone, or for an incremental the
 * full backup it builds on and every incremental up to it. {@link #resolve} follows the manifests'
 * {@code parent} links and refuses a broken chain (a manifest missing, a parent replaced or altered, a
 * loop, no full backup at its start) before any object is fetched or anything written. An instance is
 * the exchange property {@code restoreChain} while the links are fetched (each object checked against
 * its manifest's SHA-256) and then decoded and loaded one at a time.
 */
public final class BackupChain {

    /** Reads the manifest stored beside a backup in the place the chain is in. */
    @FunctionalInterface
    public interface Manifests {
        /** The manifest of backup {@code name}; null when there is none. */
        Manifest read(String name) throws IOException;
    }

    /** A backup of the chain: its object name and manifest (null only for a lone backup without one). */
    public record Link(String name, Manifest manifest) {
    }

    private final String backup;
    private final List<Link> planned;
    private final List<RestoreRun> runs = new ArrayList<>();
    private final Instant start = Instant.now();
    private final List<Verification.Check> checks = new ArrayList<>();
    private int index;
    private long statements;
    private long requests;
    private Boolean targetExisted;
    private Path scratch;
    private boolean loadFailed;

    public BackupChain(String backup, List<Link> planned) {
        this.backup = backup;
        this.planned = List.copyOf(planned);
    }

    /**
     * The chain ending at {@code name}, oldest first. Each parent's manifest must exist in the same place,
     * describe the object the child names, carry the SHA-256 the child recorded of it and the same schema.
     */
    public static List<Link> resolve(String name, Manifest manifest, Manifests manifests, String where)
            throws IOException {
        List<Link> out = new ArrayList<>();
        out.add(new Link(name, manifest));
        if (manifest == null) {
            return out;
        }
        Set<String> seen = new HashSet<>(List.of(name));
        String childName = name;
        Manifest child = manifest;
        while (child.incremental()) {
            Manifest.Parent parent = child.parent();
            if (parent == null || parent.object() == null || parent.sha256() == null) {
                throw broken(name, childName + " is an incremental whose manifest names no parent");
            }
            String parentName = parent.object();
            if (!BackupNames.valid(parentName)) {
                throw broken(name, childName + " names a parent that is no backup name: " + parentName);
            }
            if (!seen.add(parentName)) {
                throw broken(name, "it loops: " + childName + " names " + parentName + " as its parent, which builds on "
                        + childName);
            }
            Manifest found = manifests.read(parentName);
            if (found == null) {
                throw broken(name, "the manifest of " + parentName + " (the parent of " + childName + ") is missing from "
                        + where);
            }
            if (!parentName.equals(found.object())) {
                throw broken(name, parentName + Manifest.SUFFIX + " describes " + found.object() + ", not " + parentName);
            }
            if (!parent.sha256().equals(found.sha256())) {
                throw broken(name, parentName + " is not the backup " + childName + " was taken on top of: its SHA-256 is "
                        + found.sha256() + ", " + childName + " recorded " + parent.sha256() + " (replaced or altered)");
            }
            if (child.schemaHash() != null && !Objects.equals(child.schemaHash(), found.schemaHash())) {
                throw broken(name, childName + " has another schema than its parent " + parentName);
            }
            out.add(new Link(parentName, found));
            childName = parentName;
            child = found;
        }
        Collections.reverse(out);
        return out;
    }

    /** The chain up to {@code at}, one of its links (null or blank: the whole chain). */
    public static List<Link> upTo(List<Link> chain, String at, String name) {
        if (at == null || at.isBlank()) {
            return chain;
        }
        for (int i = 0; i < chain.size(); i++) {
            if (chain.get(i).name().equals(at)) {
                return chain.subList(0, i + 1);
            }
        }
        throw new IllegalArgumentException("--at " + at + " is not a link of the chain of " + name + " ("
                + String.join(", ", chain.stream().map(Link::name).toList()) + ")");
    }

    static RestoreException broken(String name, String why) {
        return new RestoreException("the chain of " + name + " is broken: " + why + "; nothing was loaded");
    }

    /** The backup asked for. */
    public String backup() {
        return backup;
    }

    /** The links to load, oldest first. */
    public List<Link> planned() {
        return planned;
    }

    /** How many links (the loop count of routes/restore.camel.yaml). */
    public int size() {
        return planned.size();
    }

    public boolean isChain() {
        return planned.size() > 1;
    }

    public List<String> names() {
        return planned.stream().map(Link::name).toList();
    }

    /** A link fetched and checked against its manifest. */
    public void fetched(RestoreRun run) {
        runs.add(run);
    }

    public List<RestoreRun> runs() {
        return Collections.unmodifiableList(runs);
    }

    /** Makes link {@code i} (0 = the oldest) the one being loaded; answers it. */
    public RestoreRun at(int i) {
        index = i;
        return runs.get(i);
    }

    public int index() {
        return index;
    }

    public boolean first() {
        return index == 0;
    }

    /** "link 2 of 4 (NAME)", for messages. */
    public String describeLink() {
        return "link " + (index + 1) + " of " + planned.size() + " (" + planned.get(index).name() + ")";
    }

    public Instant start() {
        return start;
    }

    public void loaded(long statements, long requests) {
        this.statements += statements;
        this.requests += requests;
    }

    public long statements() {
        return statements;
    }

    public long requests() {
        return requests;
    }

    /** Whether the SQLite target existed before the first link (null until that link). */
    public Boolean targetExisted() {
        return targetExisted;
    }

    public void targetExisted(boolean existed) {
        this.targetExisted = existed;
    }

    /** verify: the scratch database the links are loaded into. */
    public Path scratch() {
        return scratch;
    }

    public void scratch(Path scratch) {
        this.scratch = scratch;
    }

    /** verify: the checks made while the links were loaded. */
    public List<Verification.Check> checks() {
        return checks;
    }

    /** verify: a link did not load, so the later ones are not loaded and the database is not checked. */
    public boolean loadFailed() {
        return loadFailed;
    }

    public void loadFailed(boolean failed) {
        this.loadFailed = failed;
    }
}
