package io.github.cameld1backup.core;

import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** The message a person should read for a failure: the innermost one that says something of its own. */
public final class Failures {

    private Failures() {
    }

    /** An absolute file path: a slash (not a URL's two) where a word begins, up to a space, quote or bracket. */
    private static final Pattern ABSOLUTE_PATH = Pattern.compile("(?<=^|[\\s:'\"(=\\[])/(?!/)[^\\s'\")\\],;]*");

    /**
     * A message with every absolute file path cut to its last name ({@code /srv/db/prod.db} to {@code prod.db}), for
     * answers whose readers need not know the host's folders (a run's status is read by its id alone).
     */
    public static String withoutPaths(String message) {
        return message == null ? null : ABSOLUTE_PATH.matcher(message).replaceAll(m -> {
            String path = m.group();
            String last = path.substring(path.lastIndexOf('/', path.length() - 2) + 1);
            return Matcher.quoteReplacement(last.isEmpty() ? path : last);
        });
    }

    /**
     * Skips wrappers whose message only repeats their cause (and Camel's own wrappers), so the user
     * sees "SQLite database not found: ..." rather than "Failed to invoke method ...".
     */
    public static String message(Throwable e) {
        Throwable t = e;
        while (t.getCause() != null && t.getCause() != t
                && (t.getMessage() == null || t.getMessage().contains(t.getCause().getClass().getName())
                || !(t instanceof IllegalArgumentException) && t.getClass().getName().startsWith("org.apache.camel"))) {
            t = t.getCause();
        }
        return t.getMessage() == null ? t.getClass().getSimpleName() : t.getMessage();
    }
}
