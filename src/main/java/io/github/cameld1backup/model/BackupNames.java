package io.github.cameld1backup.model;

import java.util.regex.Pattern;

/**
 * What a backup's object name may look like: {@code <database>-<time>[_n].sql[.gz][.enc|.age]}, nothing else. It
 * starts with a letter, digit or underscore: never a dot (hidden files, the {@code .partial-} copies being
 * written) or a dash (read as an option on a command line).
 */
public final class BackupNames {

    private static final Pattern NAME = Pattern.compile("[A-Za-z0-9_][A-Za-z0-9._-]{0,200}\\.sql(\\.gz)?(\\.enc|\\.age)?");
    /** Most characters of a database's name kept in its backups' names. */
    private static final int DATABASE_CHARACTERS = 100;

    private BackupNames() {
    }

    /**
     * The part of a backup's name that comes from its database's name: characters every store takes (others become
     * {@code _}), no {@code ..}, and {@code _} in front of one that would start with a dot or a dash, so that any
     * database's backups are names {@link #valid} accepts ({@code .hidden} becomes {@code _.hidden}, {@code ø} {@code _}).
     */
    public static String forDatabase(String database) {
        String name = database.replaceAll("[^A-Za-z0-9._-]", "_").replace("..", "._");
        if (name.length() > DATABASE_CHARACTERS) {
            name = name.substring(0, DATABASE_CHARACTERS);
        }
        return name.isEmpty() || name.charAt(0) == '.' || name.charAt(0) == '-' ? "_" + name : name;
    }

    /** What a stored backup is, as HTTP and S3 say it: read off its name, outermost layer last. */
    public static String contentType(String name) {
        return name.endsWith(".sql") ? "application/sql"
                : name.endsWith(".gz") ? "application/gzip" : "application/octet-stream";
    }

    public static boolean valid(String name) {
        return name != null && NAME.matcher(name).matches() && !name.contains("..");
    }
}
