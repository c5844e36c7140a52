package io.github.cameld1backup.subject;

import io.github.cameld1backup.config.BackupSettings;
import io.github.cameld1backup.core.BackupHeaders;
import io.github.cameld1backup.core.BackupProperties;
import io.github.cameld1backup.model.BackupResult;
import io.github.cameld1backup.model.Rewrite;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Supplier;
import org.apache.camel.Exchange;
import org.apache.camel.ProducerTemplate;

/**
 * Stored backups as scratch SQLite databases, and scratch databases as backups again: the two halves of
 * every data-subject request. Loading goes through the restore route's own steps (fetch, check, decrypt,
 * decompress, load each link of a chain), dumping through the backup route with the scratch file as its
 * source, so nothing here reads or writes SQL of its own.
 */
public class ErasedCopies {

    private final Supplier<ProducerTemplate> templates;

    public ErasedCopies(Supplier<ProducerTemplate> templates) {
        this.templates = templates;
    }

    /** A scratch database file, removed (with its journal) on close. */
    public record Scratch(Path path) implements AutoCloseable {
        @Override
        public void close() throws IOException {
            for (String suffix : new String[] {"", "-journal", "-wal", "-shm"}) {
                Files.deleteIfExists(path.resolveSibling(path.getFileName() + suffix));
            }
        }
    }

    /** Backup {@code name} of the settings' first target (for an incremental, its whole chain) in a new scratch file. */
    public Scratch load(BackupSettings settings, String name) throws Exception {
        return load(settings, name, null);
    }

    /** As above; {@code at}, when given, the link of an incremental's chain to stop at (restore --at). */
    public Scratch load(BackupSettings settings, String name, String at) throws Exception {
        Files.createDirectories(settings.workDirectory());
        Path file = Files.createTempFile(settings.workDirectory(), "subject-", ".db");
        Files.delete(file); // the restore makes it
        Scratch scratch = new Scratch(file);
        Exchange answer = templates.get().send("direct:subject-load", e -> {
            e.setProperty(BackupProperties.SETTINGS, settings);
            e.getMessage().setHeader(BackupHeaders.RESTORE_TO, "sqlite:" + file);
            if (at != null) {
                e.getMessage().setHeader(BackupHeaders.RESTORE_AT, at);
            }
            e.getMessage().setBody(name);
        });
        if (answer.getException() != null) {
            scratch.close();
            throw answer.getException();
        }
        return scratch;
    }

    /**
     * A scratch database backed up by the backup route, as a full backup of the same database: to
     * {@code target}, compressed and encrypted as {@code compression} and {@code encryption} say, checked by
     * loading it before it is stored; a {@code rewrite} names the object and carries the original's manifest.
     */
    public BackupResult dump(BackupSettings settings, Scratch scratch, String databaseName, String target,
                             String compression, String encryption, Rewrite rewrite) throws Exception {
        Map<String, String> own = new LinkedHashMap<>();
        own.put("backup.source", "sqlite:" + scratch.path());
        own.put("d1.database.name", databaseName); // the name its backups carry, not the scratch file's
        own.put("backup.target", target);
        own.put("backup.compression", compression);
        own.put("backup.encryption", encryption);
        own.put("backup.mode", "paged");
        own.put("backup.incremental", "false");
        own.put("backup.skip.unchanged", "false");
        own.put("backup.verify", "true");
        own.put("backup.exclude", ""); // the copy holds what the original held, exclusions were applied then
        own.put("retention.enabled", "false"); // a rewrite keeps its original's place; retention runs on its own
        BackupSettings copy = settings.withOverrides(own);
        Exchange answer = templates.get().send("direct:backup", e -> {
            e.setProperty(BackupProperties.SETTINGS, copy);
            if (rewrite != null) {
                e.setProperty(BackupProperties.REWRITE, rewrite);
            }
        });
        if (answer.getException() != null) {
            throw answer.getException();
        }
        return answer.getMessage().getBody(BackupResult.class);
    }
}
