package io.github.cameld1backup.restore;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.github.cameld1backup.config.BackupSettings;
import io.github.cameld1backup.config.ManifestSigning;
import io.github.cameld1backup.core.BackupHeaders;
import io.github.cameld1backup.core.BackupProperties;
import io.github.cameld1backup.core.Failures;
import io.github.cameld1backup.config.TargetSpec;
import io.github.cameld1backup.model.ErasuresApplied;
import io.github.cameld1backup.model.RestoreResult;
import io.github.cameld1backup.model.RestoreRun;
import io.github.cameld1backup.model.Verification;
import io.github.cameld1backup.observe.AuditLog;
import io.github.cameld1backup.source.D1Calls;
import io.github.cameld1backup.source.SqlBatch;
import io.github.cameld1backup.sql.SqlScript;
import io.github.cameld1backup.model.BackupNames;
import io.github.cameld1backup.store.R2Objects;
import io.github.cameld1backup.model.Manifest;
import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.DigestInputStream;
import java.security.MessageDigest;
import java.security.PublicKey;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Supplier;
import org.apache.camel.Body;
import org.apache.camel.Exchange;
import org.apache.camel.ExchangeProperty;
import org.apache.camel.ProducerTemplate;
import org.apache.camel.StreamCache;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import software.amazon.awssdk.services.s3.model.NoSuchKeyException;

/**
 * Bean for restore and verify: fetches a backup (a local file, or a name in the primary target),
 * checks it against its manifest, and after the data formats have decrypted (authenticated) and
 * decompressed it, loads it into SQLite or D1.
 */
public class RestoreSteps {

    private static final Logger LOG = LoggerFactory.getLogger(RestoreSteps.class);
    private static final ObjectMapper JSON = new ObjectMapper();

    private final R2Objects r2;
    private final AuditLog audit;
    private final Supplier<ProducerTemplate> templates;

    public RestoreSteps(R2Objects r2, AuditLog audit,
                        Supplier<ProducerTemplate> templates) {
        this.r2 = r2;
        this.audit = audit;
        this.templates = templates;
    }

    /**
     * Body: a path or a backup name. Resolves what to load: the backup itself, or for an incremental its
     * chain (up to the link named by header {@code RestoreAt}), every link's manifest and parent checked
     * first and then every link's object against its manifest's SHA-256, all before the target is
     * touched. Downloads go to the work directory, one object at a time, never into memory. Leaves the
     * {@link BackupChain} as exchange property {@code restoreChain}.
     */
    public void fetch(@Body String backup, @ExchangeProperty(BackupProperties.SETTINGS) BackupSettings settings,
                      Exchange exchange) throws Exception {
        Path local = Path.of(backup);
        Place place;
        String name;
        if (Files.isRegularFile(local)) {
            Path file = local.toAbsolutePath();
            name = file.getFileName().toString();
            place = new Place(file.getParent(), null); // a chain is looked for beside the file
        } else {
            if (!BackupNames.valid(backup)) {
                throw new IllegalArgumentException("no such file, and not a backup name: " + backup);
            }
            name = backup;
            TargetSpec target = settings.primaryTarget();
            place = target.kind().equals(TargetSpec.FILE) ? new Place(Path.of(target.location()), target)
                    : new Place(null, target);
        }
        Optional<PublicKey> publicKey = settings.manifestPublicKey();
        Manifest manifest;
        try {
            manifest = manifest(place, name, publicKey);
        } catch (NoSuchKeyException e) {
            manifest = null;
        }
        if (manifest == null && publicKey.isPresent()) {
            throw new RestoreException("no manifest beside " + name + " in " + place.describe() + ", and MANIFEST_PUBLIC_KEY"
                    + " is set: only backups with a signed manifest are restored or verified; nothing was loaded");
        }
        String at = exchange.getMessage().getHeader(BackupHeaders.RESTORE_AT, String.class);
        // Every link's manifest is read through manifest(), so with MANIFEST_PUBLIC_KEY every link's signature is checked.
        List<BackupChain.Link> links = BackupChain.upTo(
                BackupChain.resolve(name, manifest, n -> manifest(place, n, publicKey), place.describe()), at, name);
        BackupChain chain = new BackupChain(name, links);
        if (publicKey.isPresent()) {
            chain.checks().add(new Verification.Check("manifest signature", true, "Ed25519 under MANIFEST_PUBLIC_KEY, "
                    + (links.size() == 1 ? "the manifest" : "each of the " + links.size() + " links' manifests")));
        }
        exchange.setProperty(BackupProperties.RESTORE_CHAIN, chain);
        long resumeFrom = exchange.getMessage().getHeader(BackupHeaders.RESTORE_RESUME_FROM, 1L, Long.class);
        if (chain.isChain() && resumeFrom > 1) {
            throw new IllegalArgumentException("--resume-from resumes a single backup, not a chain (" + name + " is "
                    + links.size() + " links: " + String.join(", ", chain.names()) + "): restore the chain again into an"
                    + " empty database");
        }
        if (chain.isChain()) {
            LOG.info("{} is an incremental: its chain of {} links, {}", name, links.size(),
                    String.join(", then ", chain.names()));
        }
        for (int i = 0; i < links.size(); i++) {
            BackupChain.Link link = links.get(i);
            RestoreRun run = fetchObject(place, link.name(), link.manifest(), settings,
                    chain.isChain() && !link.name().equals(name) ? name : null);
            chain.fetched(run);
            exchange.setProperty(BackupProperties.RESTORE_RUN, run);
            if (link.manifest() != null && !run.sha256().equals(link.manifest().sha256())) {
                throw new RestoreException("the stored object " + link.name() + " does not match its manifest (SHA-256"
                        + " differs)" + (chain.isChain() ? ", link " + (i + 1) + " of " + links.size() + " of the chain of "
                        + name : "") + ": it was altered or cut short; nothing was restored");
            }
        }
    }

    /** Where a backup and its chain are: a folder (a file target's, or a local file's) or a bucket and prefix. */
    private record Place(Path folder, TargetSpec target) {
        String describe() {
            return folder != null ? folder.toString() : target.describe() + (target.prefix().isEmpty() ? ""
                    : " (prefix " + target.prefix() + ")");
        }
    }

    /**
     * The manifest of backup {@code name} in {@code place}; null when there is none. With a public key
     * (MANIFEST_PUBLIC_KEY), its bytes must carry a good signature ({@code NAME.manifest.json.sig}) before they
     * are even parsed; an unsigned or wrongly signed manifest is refused.
     */
    private Manifest manifest(Place place, String name, Optional<PublicKey> publicKey) throws IOException {
        byte[] json = read(place, name + Manifest.SUFFIX);
        if (json == null) {
            return null;
        }
        if (publicKey.isPresent()) {
            byte[] signature = read(place, name + Manifest.SIGNATURE_SUFFIX);
            if (signature == null) {
                throw new RestoreException("the manifest of " + name + " is not signed (no " + name
                        + Manifest.SIGNATURE_SUFFIX + " in " + place.describe() + "), and MANIFEST_PUBLIC_KEY is set:"
                        + " it is not trusted; nothing was loaded");
            }
            if (!ManifestSigning.verifies(publicKey.get(), json, signature)) {
                throw new RestoreException("the manifest of " + name + " does not match its signature under"
                        + " MANIFEST_PUBLIC_KEY: it was altered, or signed with another key; nothing was loaded");
            }
            Manifest manifest = JSON.readValue(json, Manifest.class);
            // A signed manifest vouches for the backup it names: another backup's, copied under this name, is refused.
            if (!name.equals(manifest.object())) {
                throw new RestoreException("the signed manifest " + name + Manifest.SUFFIX + " describes "
                        + manifest.object() + ", not " + name + ": it was renamed or copied; nothing was loaded");
            }
            return manifest;
        }
        return JSON.readValue(json, Manifest.class);
    }

    /** A small stored file's bytes (a manifest or its signature); null when there is none. */
    private byte[] read(Place place, String file) throws IOException {
        if (place.folder() != null) {
            Path p = place.folder().resolve(file);
            return Files.isRegularFile(p) ? Files.readAllBytes(p) : null;
        }
        try {
            return r2.read(place.target().location(), place.target().prefix() + file);
        } catch (NoSuchKeyException e) {
            return null;
        }
    }

    /** The object of one backup as a file: the stored one, or downloaded to the work directory as it arrives. */
    private RestoreRun fetchObject(Place place, String name, Manifest manifest, BackupSettings settings,
                                   String chainOf) throws Exception {
        String missing = chainOf == null ? "no backup " + name + " in " + place.describe()
                : "the chain of " + chainOf + " is broken: the object " + name + " is missing from " + place.describe()
                        + " (its manifest is there); nothing was loaded";
        if (place.folder() != null) {
            Path file = place.folder().resolve(name).toAbsolutePath();
            if (!Files.isRegularFile(file)) {
                throw chainOf == null ? new IllegalArgumentException(missing) : new RestoreException(missing);
            }
            return new RestoreRun(name, file, false, manifest, sha256(file));
        }
        Files.createDirectories(settings.workDirectory());
        Path file = Files.createTempFile(settings.workDirectory(), "restore-", "-" + name);
        file.toFile().deleteOnExit();
        Files.delete(file);
        // aws2-s3's getObject: its stream goes to the file as it arrives, never whole in memory
        try (InputStream in = r2.open(place.target().location(), place.target().prefix() + name)) {
            Files.copy(in, file);
        } catch (NoSuchKeyException e) {
            Files.deleteIfExists(file);
            throw chainOf == null ? new IllegalArgumentException(missing) : new RestoreException(missing);
        } catch (IOException | RuntimeException e) {
            Files.deleteIfExists(file);
            throw e;
        }
        return new RestoreRun(name, file, true, manifest, sha256(file));
    }

    /** Loop step: link {@code index} of the chain becomes the restoreRun and the body (its stored object). */
    public void next(@ExchangeProperty(Exchange.LOOP_INDEX) int index,
                     @ExchangeProperty(BackupProperties.RESTORE_CHAIN) BackupChain chain, Exchange exchange) {
        RestoreRun run = chain.at(index);
        exchange.setProperty(BackupProperties.RESTORE_RUN, run);
        if (chain.isChain()) {
            LOG.info("Loading {} of the chain of {}", chain.describeLink(), chain.backup());
        }
        exchange.getMessage().setBody(run.file().toFile());
    }

    /**
     * Body: the plain SQL of the current link (authenticated and decompressed by now). The first link
     * goes into an empty target (or with --replace, one whose objects it recreates are dropped); each
     * later link applies on top of what the links before it made.
     */
    public void load(@Body Object sql, @ExchangeProperty(BackupProperties.RESTORE_RUN) RestoreRun run,
                     @ExchangeProperty(BackupProperties.RESTORE_CHAIN) BackupChain chain,
                     @ExchangeProperty(BackupProperties.SETTINGS) BackupSettings settings, Exchange exchange)
            throws Exception {
        String to = exchange.getMessage().getHeader(BackupHeaders.RESTORE_TO, String.class);
        boolean replace = exchange.getMessage().getHeader(BackupHeaders.RESTORE_REPLACE, false, Boolean.class);
        long resumeFrom = exchange.getMessage().getHeader(BackupHeaders.RESTORE_RESUME_FROM, 1L, Long.class);
        boolean first = chain.first();
        if (to != null && to.toLowerCase().startsWith("sqlite:") && to.length() > 7) {
            Path db = Path.of(to.substring(7)).toAbsolutePath();
            if (resumeFrom > 1) {
                throw new IllegalArgumentException("--resume-from is for D1: a SQLite restore is all or nothing");
            }
            if (first) {
                chain.targetExisted(Files.exists(db));
            }
            try {
                // What --replace drops is read first: open() rewinds the one spooled copy each time.
                List<CreatedObject> created = first && replace ? created(open(sql, exchange)) : List.of();
                long n = first ? new SqliteLoader().load(open(sql, exchange), db, replace, created)
                        : new SqliteLoader().applyOnTop(open(sql, exchange), db);
                chain.loaded(n, 0);
            } catch (RuntimeException e) {
                if (!chain.isChain()) {
                    throw e;
                }
                boolean removed = !chain.targetExisted() && Files.deleteIfExists(db);
                throw new RestoreException(chain.describeLink() + " of the chain of " + chain.backup() + " did not load: "
                        + e.getMessage() + (chain.first() ? "" : removed ? "; " + db + " was removed again"
                        : "; " + db + " holds the links before it (the point of "
                        + chain.planned().get(chain.index() - 1).name() + ")"), e);
            }
        } else if ("d1".equalsIgnoreCase(to)) {
            String database = settings.restoreD1DatabaseId();
            ProducerTemplate template = templates.get();
            // Before the link's first request: what D1 would refuse half-way (columns, row and value sizes).
            D1Limits.check(open(sql, exchange), settings.maxStatementBytes());
            D1Loader.Sender sender = new D1Loader.Sender() {
                @Override
                public void send(List<String> statements, D1Calls.CommitCheck check) {
                    execute(template, settings, database, statements, check);
                }

                @Override
                public List<Map<String, Object>> read(String query) {
                    return execute(template, settings, database, List.of(query), null);
                }
            };
            List<String> before = new ArrayList<>();
            if (first && resumeFrom <= 1) {
                // The progress table of a restore cut short is no content of the database.
                List<Map<String, Object>> existing = sender.read(
                        "SELECT type || ' ' || name AS object FROM sqlite_master WHERE name NOT LIKE 'sqlite\\_%' ESCAPE '\\'"
                                + " AND name NOT LIKE '\\_cf\\_%' ESCAPE '\\' AND name <> '" + D1Loader.PROGRESS + "'");
                if (!existing.isEmpty()) {
                    if (!replace) {
                        throw new RestoreException("the target D1 database is not empty (" + existing.size()
                                + " objects, e.g. " + existing.get(0).get("object") + "): restore into an empty database,"
                                + " or give --replace to drop what the backup recreates");
                    }
                    before.addAll(SqliteLoader.dropsFor(created(open(sql, exchange))));
                }
            }
            D1Loader loader = new D1Loader(sender, settings.restoreRequestBytes(), settings.restoreRequestStatements(),
                    settings.maxStatementBytes());
            try {
                long n = loader.load(open(sql, exchange), resumeFrom, before, LOG::info);
                chain.loaded(n - resumeFrom + 1, loader.requests());
            } catch (RuntimeException e) {
                if (!chain.isChain() || first) {
                    throw e;
                }
                throw new RestoreException(chain.describeLink() + " of the chain of " + chain.backup() + " did not load"
                        + " completely: " + e.getMessage() + "; the links before it are restored in D1 (the point of "
                        + chain.planned().get(chain.index() - 1).name() + "); --resume-from resumes a single backup, not"
                        + " a chain: restore the chain again into an empty database", e);
            }
        } else {
            throw new IllegalArgumentException("--to must be sqlite:PATH or d1, got '" + to + "'");
        }
        cleanup(run); // a downloaded link goes as soon as it is loaded
    }

    /** After the last link: the result, in the audit log too (with the chain's links). */
    public RestoreResult finish(@ExchangeProperty(BackupProperties.RESTORE_CHAIN) BackupChain chain, Exchange exchange) {
        String to = exchange.getMessage().getHeader(BackupHeaders.RESTORE_TO, String.class);
        String target = to.toLowerCase().startsWith("sqlite:") ? "sqlite:" + Path.of(to.substring(7)).toAbsolutePath()
                : "d1:" + exchange.getProperty(BackupProperties.SETTINGS, BackupSettings.class).restoreD1DatabaseId();
        String last = chain.names().get(chain.size() - 1);
        ErasuresApplied erasures = exchange.getProperty(BackupProperties.ERASURES, ErasuresApplied.class);
        RestoreResult result = new RestoreResult(last, target, chain.statements(), chain.requests(),
                Duration.between(chain.start(), Instant.now()), chain.names(), erasures);
        Map<String, Object> details = new LinkedHashMap<>(Map.of("object", last, "target", result.target(), "statements",
                result.statements(), "requests", result.requests(), "durationMs", result.duration().toMillis()));
        if (chain.isChain()) {
            details.put("chain", chain.names());
        }
        if (erasures != null) {
            Map<String, Object> applied = new LinkedHashMap<>();
            applied.put("entries", erasures.entries());
            applied.put("rowsRemoved", erasures.removed());
            applied.put("rowsCleared", erasures.cleared());
            details.put("erasures", applied);
        }
        audit.record("restore", "succeeded", details);
        LOG.info(result.summary());
        return result;
    }

    @SuppressWarnings("unchecked")
    private static List<Map<String, Object>> execute(ProducerTemplate template, BackupSettings settings, String database,
                                                     List<String> statements, D1Calls.CommitCheck check) {
        Exchange answer = template.send("direct:d1-execute", e -> {
            e.setProperty(BackupProperties.SETTINGS, settings);
            e.setProperty("d1DatabaseId", database);
            if (check != null) {
                e.setProperty(D1Calls.COMMITTED, check); // a write: resent only once known not to have committed
            }
            e.getMessage().setBody(new SqlBatch(statements));
        });
        if (answer.getException() != null) {
            throw answer.getException() instanceof RuntimeException r ? r : new IllegalStateException(answer.getException());
        }
        return answer.getMessage().getBody(List.class);
    }

    /** Error path of restore and verify: remove a downloaded copy. */
    public void failed(Exchange exchange) {
        RestoreRun run = exchange.getProperty(BackupProperties.RESTORE_RUN, RestoreRun.class);
        BackupChain chain = exchange.getProperty(BackupProperties.RESTORE_CHAIN, BackupChain.class);
        if (run != null) {
            cleanup(run);
        }
        if (chain != null) {
            chain.runs().forEach(RestoreSteps::cleanup);
            Verifier.dropScratch(chain);
        }
        Throwable cause = exchange.getProperty(Exchange.EXCEPTION_CAUGHT, Throwable.class);
        Map<String, Object> details = new LinkedHashMap<>();
        details.put("object", chain != null ? chain.backup() : run == null ? exchange.getMessage().getBody(String.class)
                : run.name());
        if (chain != null && chain.isChain()) {
            details.put("chain", chain.names());
        }
        details.put("target", exchange.getMessage().getHeader(BackupHeaders.RESTORE_TO, String.class));
        details.put("error", cause == null ? "unknown error" : Failures.message(cause));
        audit.record(exchange.getFromRouteId(), "failed", details);
    }

    static void cleanup(RestoreRun run) {
        if (run.downloaded()) {
            try {
                Files.deleteIfExists(run.file());
            } catch (IOException e) {
                LOG.warn("Could not delete {}: {}", run.file(), e.getMessage());
            }
        }
    }

    /** The decoded SQL, readable again from the start (a spooled stream cache or a file). */
    static InputStream open(Object sql, Exchange exchange) throws IOException {
        if (sql instanceof StreamCache cache) {
            cache.reset();
        }
        if (sql instanceof File f) {
            return Files.newInputStream(f.toPath());
        }
        return exchange.getContext().getTypeConverter().convertTo(InputStream.class, exchange, sql);
    }

    static List<CreatedObject> created(InputStream sql) {
        List<CreatedObject> out = new ArrayList<>();
        SqlScript script = new SqlScript(new InputStreamReader(sql, StandardCharsets.UTF_8));
        script.forEachRemaining(s -> CreatedObject.of(s).ifPresent(out::add));
        return out;
    }

    static String sha256(Path file) throws Exception {
        MessageDigest digest = MessageDigest.getInstance("SHA-256");
        try (InputStream in = new DigestInputStream(Files.newInputStream(file), digest)) {
            in.transferTo(OutputStream.nullOutputStream());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return HexFormat.of().formatHex(digest.digest());
    }
}
