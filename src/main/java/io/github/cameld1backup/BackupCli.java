package io.github.cameld1backup;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import io.github.cameld1backup.cli.ProgressBar;
import io.github.cameld1backup.core.BackupHeaders;
import io.github.cameld1backup.subject.SubjectReport;
import io.github.cameld1backup.model.BackupResult;
import io.github.cameld1backup.core.Failures;
import io.github.cameld1backup.api.Totp;
import io.github.cameld1backup.model.Manifest;
import io.github.cameld1backup.store.Listing;
import java.io.PrintWriter;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import org.apache.camel.main.Main;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * The command line: each command starts the Camel context, does its work, and stops it. --help and
 * --version are inherited, so every command has them.
 */
@Command(name = "camel-d1-backup", mixinStandardHelpOptions = true, versionProvider = BackupCli.Version.class,
        scope = CommandLine.ScopeType.INHERIT,
        description = "Faithful, D1-importable backups of Cloudflare D1 and SQLite databases.")
public class BackupCli {

    /** The commands, in the order the help lists them. */
    private static final List<Class<?>> COMMANDS = List.of(Backup.class, Run.class, ListBackups.class, Restore.class,
            Verify.class, Prune.class, Subject.class, TotpCode.class);

    public static void main(String[] args) {
        System.exit(commandLine(args.length == 0 ? null : args[0]).execute(args));
    }

    /** The command line with every command. */
    public static CommandLine commandLine() {
        return commandLine(null);
    }

    /**
     * The command line with just the command named (all of them when none or no known one is named, for
     * the help and the error): picocli reads every command's options by reflection as it builds one, some
     * 50 ms of each command's start.
     */
    static CommandLine commandLine(String named) {
        CommandLine cli = new CommandLine(new BackupCli());
        boolean known = COMMANDS.stream().anyMatch(command -> commandName(command).equals(named));
        for (Class<?> command : COMMANDS) {
            if (!known || commandName(command).equals(named)) {
                cli.addSubcommand(command);
            }
        }
        // One clear line for any failure; the log has the details.
        cli.setExecutionExceptionHandler((e, cmd, parsed) -> {
            cmd.getErr().println("camel-d1-backup: " + Failures.message(e));
            return 1;
        });
        return cli;
    }


    /** The options every command has: which database, and the deployment's settings file. */
    static class DatabaseOptions {
        @Option(names = "--database", paramLabel = "NAME",
                description = "One of the databases named in BACKUP_DATABASES (default: every one for backup and"
                        + " prune; the only one otherwise).")
        String database;

        @Option(names = "--config", paramLabel = "FILE",
                description = "A .properties or .yaml file of settings (default: BACKUP_CONFIG).")
        String config;

        /** The command's options as settings; for a named database also as its own, which outrank the deployment's. */
        Map<String, String> overrides(Map<String, String> more) {
            Map<String, String> overrides = new LinkedHashMap<>(more);
            if (database != null) {
                more.forEach((key, value) -> overrides.put("database." + database + "." + key, value));
            }
            put(overrides, "backup.config", config);
            return overrides;
        }
    }

    /** Options of the commands that read a database and write backups. */
    static class RunOptions {
        @Option(names = "--source", paramLabel = "d1|sqlite:PATH",
                description = "What to back up (default: D1 when D1_DATABASE_ID is set, else the bundled sample).")
        String source;

        @Option(names = "--target", paramLabel = "TARGETS",
                description = "Where backups go: comma-separated file:DIR, r2, r2:BUCKET (default: r2 when R2_BUCKET"
                        + " is set, else file:backups).")
        String target;

        @Option(names = "--compression", paramLabel = "gzip|none", description = "Compression (default: gzip).")
        String compression;

        @Option(names = "--encryption", paramLabel = "none|aes-256-gcm|age",
                description = "Encryption (default: age when AGE_RECIPIENTS is set, aes-256-gcm when ENCRYPTION_KEY"
                        + " is set, else none).")
        String encryption;

        @Option(names = "--mode", paramLabel = "paged|export",
                description = "How a D1 database is read: paged queries (default) or D1's own export.")
        String mode;

        Map<String, String> overrides() {
            Map<String, String> overrides = new LinkedHashMap<>();
            put(overrides, "backup.source", source);
            put(overrides, "backup.target", target);
            put(overrides, "backup.compression", compression);
            put(overrides, "backup.encryption", encryption);
            put(overrides, "backup.mode", mode);
            return overrides;
        }
    }

    /** Options of the commands that take backups (backup, run): what a run does when little or nothing changed. */
    static class ChangeOptions {
        @Option(names = "--skip-unchanged", negatable = true,
                description = "Write nothing when the source has not changed since the newest backup of the first"
                        + " target (D1: one request, no rows read); prints 'unchanged since NAME' and exits 0"
                        + " (backup.skip.unchanged; default: off for backup, on for run's scheduled backups).")
        Boolean skipUnchanged;

        @Option(names = "--incremental",
                description = "Back up only what changed since the newest backup (backup.incremental).")
        boolean incremental;

        Map<String, String> overrides(Map<String, String> more) {
            Map<String, String> overrides = new LinkedHashMap<>(more);
            if (skipUnchanged != null) {
                overrides.put("backup.skip.unchanged", skipUnchanged.toString());
            }
            if (incremental) {
                overrides.put("backup.incremental", "true");
            }
            return overrides;
        }
    }

    /** The --target of the commands that read stored backups. */
    static class TargetOption {
        @Option(names = "--target", paramLabel = "TARGET",
                description = "Where the backups are (default: the first configured target).")
        String target;

        Map<String, String> overrides() {
            Map<String, String> overrides = new LinkedHashMap<>();
            put(overrides, "backup.target", target);
            return overrides;
        }
    }

    private static String commandName(Class<?> command) {
        return command.getAnnotation(Command.class).name();
    }

    static void put(Map<String, String> overrides, String key, String value) {
        if (value != null) {
            overrides.put(key, value);
        }
    }

    @Command(name = "backup", description = "Run one backup, print where it went.")
    static class Backup implements Callable<Integer> {
        @CommandLine.Mixin
        RunOptions options = new RunOptions();

        @CommandLine.Mixin
        ChangeOptions changes = new ChangeOptions();

        @Option(names = "--no-progress", description = "No progress bar (shown on standard error on a terminal).")
        boolean noProgress;

        @CommandLine.Spec
        CommandLine.Model.CommandSpec spec;

        @CommandLine.Mixin
        DatabaseOptions db = new DatabaseOptions();

        @Override
        public Integer call() throws Exception {
            try (BackupApplication app = BackupApplication.start(db.overrides(changes.overrides(options.overrides())))) {
                if (db.database != null || app.databases().names().size() <= 1) {
                    BackupResult result;
                    try (AutoCloseable bar = ProgressBar.attach(app.context(), !noProgress)) {
                        result = app.backup(db.database);
                    }
                    spec.commandLine().getOut().println(result.summary());
                    return 0;
                }
                // Every database, each on its own: one failing does not stop the others.
                int failed = 0;
                for (BackupApplication.Outcome o : app.backupEach()) {
                    if (o.failure() == null) {
                        spec.commandLine().getOut().println(o.result().summary());
                    } else {
                        failed++;
                        spec.commandLine().getErr().println("camel-d1-backup: " + o.database() + ": "
                                + Failures.message(o.failure()));
                    }
                }
                return failed == 0 ? 0 : 1;
            }
        }
    }

    @Command(name = "run", description = "Run the service: scheduled backups and the HTTP API, until stopped"
            + " (SIGTERM lets a running backup finish).")
    static class Run implements Callable<Integer> {
        @CommandLine.Mixin
        RunOptions options = new RunOptions();

        @CommandLine.Mixin
        ChangeOptions changes = new ChangeOptions();

        @CommandLine.Mixin
        DatabaseOptions db = new DatabaseOptions();

        @Override
        public Integer call() throws Exception {
            Main main = BackupApplication.service(db.overrides(changes.overrides(options.overrides())));
            main.run();
            return main.getExitCode();
        }
    }

    @Command(name = "restore", description = {
            "Restore a backup (a file, or a backup name in the target) into SQLite or D1.",
            "An incremental restores its chain: the full backup it builds on, then each incremental in order, every"
                    + " link's manifest, parent and SHA-256 checked before the target is touched."})
    static class Restore implements Callable<Integer> {
        @CommandLine.Parameters(paramLabel = "BACKUP", description = "A backup file, or the name of a backup in the target.")
        String backup;

        @Option(names = "--at", paramLabel = "POINT",
                description = "Incrementals: restore BACKUP's chain only up to POINT, the name of one of its links"
                        + " (the full backup or an incremental before BACKUP).")
        String at;

        @Option(names = "--to", required = true, paramLabel = "sqlite:PATH|d1",
                description = "Where to restore; d1 means the database RESTORE_D1_DATABASE_ID.")
        String to;

        @Option(names = "--replace", description = "Drop what the backup recreates, instead of requiring an empty target.")
        boolean replace;

        @Option(names = "--resume-from", paramLabel = "N", defaultValue = "1",
                description = "D1: start at statement N (a failed restore says which); a single backup only, not a chain.")
        long resumeFrom;

        @CommandLine.Mixin
        TargetOption target = new TargetOption();

        @CommandLine.Spec
        CommandLine.Model.CommandSpec spec;

        @CommandLine.Mixin
        DatabaseOptions db = new DatabaseOptions();

        @Override
        public Integer call() throws Exception {
            try (BackupApplication app = BackupApplication.start(db.overrides(target.overrides()))) {
                spec.commandLine().getOut().println(app.restore(backup, to, replace, resumeFrom, db.database, at).summary());
                return 0;
            }
        }
    }

    @Command(name = "verify", description = {"Check that a backup restores and matches its manifest; exit 1 if not.",
            "An incremental is checked with its whole chain, link by link, loaded into one scratch database."})
    static class Verify implements Callable<Integer> {
        @CommandLine.Parameters(paramLabel = "BACKUP", description = "A backup file, or the name of a backup in the target.")
        String backup;

        @CommandLine.Mixin
        TargetOption target = new TargetOption();

        @CommandLine.Spec
        CommandLine.Model.CommandSpec spec;

        @CommandLine.Mixin
        DatabaseOptions db = new DatabaseOptions();

        @Override
        public Integer call() throws Exception {
            try (BackupApplication app = BackupApplication.start(db.overrides(target.overrides()))) {
                var report = app.verify(backup, db.database);
                spec.commandLine().getOut().println(report.summary());
                return report.ok() ? 0 : 1;
            }
        }
    }

    @Command(name = "prune", description = "Apply the retention policy to this database's backups in the target.")
    static class Prune implements Callable<Integer> {
        @Option(names = "--dry-run", description = "Print what would go and why; delete nothing.")
        boolean dryRun;

        @CommandLine.Mixin
        RunOptions options = new RunOptions();

        @CommandLine.Spec
        CommandLine.Model.CommandSpec spec;

        @CommandLine.Mixin
        DatabaseOptions db = new DatabaseOptions();

        @Override
        public Integer call() throws Exception {
            try (BackupApplication app = BackupApplication.start(db.overrides(options.overrides()))) {
                List<String> names = db.database != null || app.databases().names().isEmpty()
                        ? Collections.singletonList(db.database) : app.databases().names();
                int failed = 0;
                for (String name : names) { // one database failing does not stop the others
                    try {
                        spec.commandLine().getOut().println(app.prune(dryRun, name).summary());
                    } catch (Exception e) {
                        if (names.size() == 1) {
                            throw e;
                        }
                        failed++;
                        spec.commandLine().getErr().println("camel-d1-backup: " + name + ": " + Failures.message(e));
                    }
                }
                return failed == 0 ? 0 : 1;
            }
        }
    }

    @Command(name = "totp", description = "Print the current TOTP code for TOTP_SECRET (what a CI job sends to the API).")
    static class TotpCode implements Callable<Integer> {
        @CommandLine.Spec
        CommandLine.Model.CommandSpec spec;

        @CommandLine.Mixin
        DatabaseOptions db = new DatabaseOptions();

        @Override
        public Integer call() throws Exception {
            try (BackupApplication app = BackupApplication.start(db.overrides(Map.of()))) {
                Totp totp = Totp.from(app.settings()).orElseThrow(() -> new IllegalArgumentException(
                        "TOTP_SECRET (totp.secret) is not set"));
                spec.commandLine().getOut().println(totp.now());
                return 0;
            }
        }
    }

    @Command(name = "list", description = "List the backups of a target from their manifests, newest first.")
    static class ListBackups implements Callable<Integer> {
        @CommandLine.Mixin
        TargetOption target = new TargetOption();

        @CommandLine.Spec
        CommandLine.Model.CommandSpec spec;

        @CommandLine.Mixin
        DatabaseOptions db = new DatabaseOptions();

        @Override
        public Integer call() throws Exception {
            try (BackupApplication app = BackupApplication.start(db.overrides(target.overrides()))) {
                Listing listing = app.listing(null, db.database);
                List<Manifest> backups = listing.backups();
                PrintWriter out = spec.commandLine().getOut();
                out.printf("%-48s %-24s %7s %10s %10s %-11s%n", "BACKUP", "STARTED", "TABLES", "ROWS", "SIZE", "ENCRYPTION");
                for (Manifest m : backups) {
                    out.printf("%-48s %-24s %7d %10d %10s %-11s%n", m.object(), m.startedAt(), m.tables().size(), m.rows(),
                            BackupResult.humanBytes(m.storedBytes()), m.encryption().scheme());
                }
                out.printf("%d backups in %s%n", backups.size(), app.databases().settings(db.database).primaryTarget().describe());
                for (Listing.Skipped skipped : listing.skipped()) {
                    spec.commandLine().getErr().printf("camel-d1-backup: skipped %s: %s%n", skipped.name(), skipped.reason());
                }
                return 0;
            }
        }
    }

    @Command(name = "subject", description = {
            "Data-subject requests over every backup of a database in the first target:",
            "find (access), erase (deletion, recorded in the erasure ledger that every restore and verify applies),"
                    + " status (proof, per backup)."},
            subcommands = {SubjectFind.class, SubjectErase.class, SubjectStatus.class})
    static class Subject implements Callable<Integer> {
        @CommandLine.Spec
        CommandLine.Model.CommandSpec spec;

        @Override
        public Integer call() {
            throw new CommandLine.ParameterException(spec.commandLine(), "name a request: find, erase or status");
        }
    }

    /** What every data-subject request takes: the subject, the output format, who asks, which database. */
    static class SubjectOptions {
        @CommandLine.Parameters(paramLabel = "TABLE.COLUMN=VALUE",
                description = "The subject: a table, one of its columns, and the value (names may be double-quoted).")
        String predicate;

        @Option(names = "--format", paramLabel = "text|json|ndjson",
                description = "text (a line a backup), json (one document) or ndjson (a line a backup).")
        String format;

        @Option(names = "--requested-by", paramLabel = "WHO",
                description = "Who or what asked, for the audit log and the ledger (default: cli:USER).")
        String requestedBy;

        @CommandLine.Mixin
        TargetOption target = new TargetOption();

        @CommandLine.Mixin
        DatabaseOptions db = new DatabaseOptions();

        int run(CommandLine.Model.CommandSpec spec, String command, String defaultFormat, Map<String, Object> options)
                throws Exception {
            String f = format == null ? defaultFormat : format;
            if (!List.of("text", "json", "ndjson").contains(f)) {
                throw new CommandLine.ParameterException(spec.commandLine(), "--format must be text, json or ndjson");
            }
            Map<String, Object> headers = new LinkedHashMap<>(options);
            if (requestedBy != null) {
                headers.put(BackupHeaders.SUBJECT_REQUESTED_BY, requestedBy);
            }
            try (BackupApplication app = BackupApplication.start(db.overrides(target.overrides()))) {
                SubjectReport report = app.subject(command, predicate, db.database, headers);
                PrintWriter out = spec.commandLine().getOut();
                switch (f) {
                    case "json" -> {
                        try (JsonGenerator g = new JsonFactory().createGenerator(out).useDefaultPrettyPrinter()) {
                            g.disable(JsonGenerator.Feature.AUTO_CLOSE_TARGET);
                            report.writeJson(g);
                        }
                        out.println();
                    }
                    case "ndjson" -> report.writeNdjson(out);
                    default -> out.print(report.summary());
                }
                out.flush();
                return 0;
            }
        }
    }

    @Command(name = "find", description = "Access request: the subject's rows, and every row that references them"
            + " through foreign keys (children, grandchildren) or subject.references, in each backup, as JSON.")
    static class SubjectFind implements Callable<Integer> {
        @CommandLine.Mixin
        SubjectOptions subject = new SubjectOptions();

        @Option(names = "--force", description = "Answer even when more than subject.max.rows rows match in a backup.")
        boolean force;

        @CommandLine.Spec
        CommandLine.Model.CommandSpec spec;

        @Override
        public Integer call() throws Exception {
            return subject.run(spec, "find", "json", Map.of(BackupHeaders.SUBJECT_FORCE, force));
        }
    }

    @Command(name = "erase", description = {"Deletion request: records the subject in the erasure ledger, so every"
            + " restore and verify erases it (its rows, and what references them as the schema's ON DELETE actions or"
            + " subject.policy.TABLE say).",
            "With --rewrite, each backup holding it is also rewritten without it, verified, and the original deleted."})
    static class SubjectErase implements Callable<Integer> {
        @CommandLine.Mixin
        SubjectOptions subject = new SubjectOptions();

        @Option(names = "--dry-run", description = "Show the rows that would go in each backup; record nothing.")
        boolean dryRun;

        @Option(names = "--rewrite", description = "Also rewrite every backup that holds the subject.")
        boolean rewrite;

        @Option(names = "--force", description = "Erase even when more than subject.max.rows rows match in a backup.")
        boolean force;

        @CommandLine.Spec
        CommandLine.Model.CommandSpec spec;

        @Override
        public Integer call() throws Exception {
            return subject.run(spec, "erase", "text", Map.of(BackupHeaders.SUBJECT_FORCE, force,
                    BackupHeaders.SUBJECT_DRY_RUN, dryRun, BackupHeaders.SUBJECT_REWRITE, rewrite));
        }
    }

    @Command(name = "status", description = "Proof: per backup, whether the subject is present, covered by the"
            + " erasure ledger, erased by rewrite, or absent.")
    static class SubjectStatus implements Callable<Integer> {
        @CommandLine.Mixin
        SubjectOptions subject = new SubjectOptions();

        @CommandLine.Spec
        CommandLine.Model.CommandSpec spec;

        @Override
        public Integer call() throws Exception {
            return subject.run(spec, "status", "text", Map.of());
        }
    }

    static class Version implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() {
            String v = BackupCli.class.getPackage().getImplementationVersion();
            return new String[] {"camel-d1-backup " + (v == null ? "dev" : v)};
        }
    }
}
