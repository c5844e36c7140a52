package io.github.cameld1backup.cli;

import io.github.cameld1backup.BackupApplication;
import io.github.cameld1backup.BackupResult;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** The command line: each command starts the Camel context, does its work, and stops it. */
@Command(name = "camel-d1-backup", mixinStandardHelpOptions = true, versionProvider = BackupCli.Version.class,
        description = "Faithful, D1-importable backups of Cloudflare D1 and SQLite databases.",
        subcommands = {BackupCli.Backup.class})
public class BackupCli {

    public static void main(String[] args) {
        System.exit(commandLine().execute(args));
    }

    public static CommandLine commandLine() {
        CommandLine cli = new CommandLine(new BackupCli());
        // One clear line for any failure; the log has the details.
        cli.setExecutionExceptionHandler((e, cmd, parsed) -> {
            cmd.getErr().println("camel-d1-backup: " + message(e));
            return 1;
        });
        return cli;
    }

    static String message(Throwable e) {
        Throwable t = e;
        while (t.getCause() != null && t.getCause() != t
                && (t.getMessage() == null || t.getMessage().contains(t.getCause().getClass().getName())
                || !(t instanceof IllegalArgumentException) && t.getClass().getName().startsWith("org.apache.camel"))) {
            t = t.getCause();
        }
        return t.getMessage() == null ? t.getClass().getSimpleName() : t.getMessage();
    }

    /** Options every command that reads a database takes. */
    static class SourceOptions {
        @Option(names = "--source", paramLabel = "d1|sqlite:PATH",
                description = "What to back up (default: D1 when D1_DATABASE_ID is set, else the bundled sample).")
        String source;

        @Option(names = "--target", paramLabel = "file:DIR", description = "Where backups go (default: file:backups).")
        String target;

        Map<String, String> overrides() {
            Map<String, String> overrides = new LinkedHashMap<>();
            if (source != null) {
                overrides.put("backup.source", source);
            }
            if (target != null) {
                overrides.put("backup.target", target);
            }
            return overrides;
        }
    }

    @Command(name = "backup", description = "Run one backup, print where it went.")
    static class Backup implements Callable<Integer> {
        @CommandLine.Mixin
        SourceOptions options = new SourceOptions();

        @CommandLine.Spec
        CommandLine.Model.CommandSpec spec;

        @Override
        public Integer call() throws Exception {
            try (BackupApplication app = BackupApplication.start(options.overrides())) {
                BackupResult result = app.backup();
                spec.commandLine().getOut().println(result.summary());
                return 0;
            }
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
