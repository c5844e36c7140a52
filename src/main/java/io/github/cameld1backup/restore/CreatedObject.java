package io.github.cameld1backup.restore;

import io.github.cameld1backup.sql.SqlText;
import java.util.Locale;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** The object a CREATE statement makes (type and name), for --replace and for empty-target checks. */
public record CreatedObject(String type, String name) {

    private static final Pattern CREATE = Pattern.compile(
            "(?is)^\\s*(?:--[^\\n]*\\n\\s*)*CREATE\\s+(?:TEMP\\s+|TEMPORARY\\s+)?(?:UNIQUE\\s+)?(?:VIRTUAL\\s+)?"
                    + "(TABLE|INDEX|VIEW|TRIGGER)\\s+(?:IF\\s+NOT\\s+EXISTS\\s+)?"
                    + "(\"(?:[^\"]|\"\")*\"|\\[[^\\]]*\\]|`(?:[^`]|``)*`|'(?:[^']|'')*'|[^\\s(.]+)");

    public static Optional<CreatedObject> of(String statement) {
        Matcher m = CREATE.matcher(statement);
        if (!m.find()) {
            return Optional.empty();
        }
        return Optional.of(new CreatedObject(m.group(1).toLowerCase(Locale.ROOT), unquote(m.group(2))));
    }

    private static String unquote(String token) {
        char c = token.charAt(0);
        if (c == '"') {
            return token.substring(1, token.length() - 1).replace("\"\"", "\"");
        }
        if (c == '`') {
            return token.substring(1, token.length() - 1).replace("``", "`");
        }
        if (c == '\'') {
            return token.substring(1, token.length() - 1).replace("''", "'");
        }
        if (c == '[') {
            return token.substring(1, token.length() - 1);
        }
        return token;
    }

    /** {@code DROP <type> IF EXISTS "<name>"}. */
    public String dropStatement() {
        return "DROP " + type.toUpperCase(Locale.ROOT) + " IF EXISTS " + SqlText.identifier(name);
    }
}
