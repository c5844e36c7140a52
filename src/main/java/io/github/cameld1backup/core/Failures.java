package io.github.cameld1backup.core;

/** The message a person should read for a failure: the innermost one that says something of its own. */
public final class Failures {

    private Failures() {
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
