package io.github.cameld1backup.testing;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.github.cameld1backup.sql.SqlScript;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

/** Plays a user loading a dump into D1 the way D1's import does: the whole file in one request. */
public final class D1Client {

    private static final ObjectMapper MAPPER = new ObjectMapper();
    private static final HttpClient HTTP = HttpClient.newHttpClient();

    private D1Client() {
    }

    public static JsonNode query(WorkerdD1 d1, String databaseId, String sql) throws IOException, InterruptedException {
        HttpRequest request = HttpRequest.newBuilder(URI.create(d1.baseUrl() + "/accounts/" + WorkerdD1.ACCOUNT
                        + "/d1/database/" + databaseId + "/query"))
                .header("Authorization", "Bearer " + WorkerdD1.TOKEN)
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofByteArray(MAPPER.writeValueAsBytes(Map.of("sql", sql))))
                .build();
        HttpResponse<byte[]> response = HTTP.send(request, HttpResponse.BodyHandlers.ofByteArray());
        JsonNode body = MAPPER.readTree(response.body());
        if (!body.path("success").asBoolean()) {
            throw new IllegalStateException("D1 refused the request: " + body.path("errors") + " -- its script ends: "
                    + sql.substring(Math.max(0, sql.length() - 300)));
        }
        return body;
    }

    /**
     * Loads a dump as a user would through D1's {@code /query}: the whole file as one script, which
     * D1 splits itself. D1 refuses a script over 100,000 bytes as a whole (SQLITE_TOOBIG, measured on
     * workerd's D1), so a larger file goes as consecutive scripts of whole statements, each at most
     * that size and each opening with the file's foreign-key deferral.
     */
    public static void importDump(WorkerdD1 d1, String databaseId, Path dump) throws IOException, InterruptedException {
        String text = Files.readString(dump);
        if (text.getBytes(java.nio.charset.StandardCharsets.UTF_8).length <= WorkerdD1.MAX_STATEMENT_BYTES) {
            query(d1, databaseId, text);
            return;
        }
        String defer = "PRAGMA defer_foreign_keys = on;\n";
        StringBuilder script = new StringBuilder(defer);
        for (String statement : SqlScript.split(text)) {
            String next = statement.strip().endsWith(";") ? statement + "\n" : statement + ";\n";
            if (script.length() > defer.length() && utf8(script) + utf8(next) > WorkerdD1.MAX_STATEMENT_BYTES) {
                query(d1, databaseId, script.toString());
                script = new StringBuilder(defer);
            }
            if (utf8(defer) + utf8(next) > WorkerdD1.MAX_STATEMENT_BYTES) { // a statement at the limit goes alone
                query(d1, databaseId, next);
                continue;
            }
            script.append(next);
        }
        if (script.length() > defer.length()) {
            query(d1, databaseId, script.toString());
        }
    }

    private static int utf8(CharSequence s) {
        return s.toString().getBytes(java.nio.charset.StandardCharsets.UTF_8).length;
    }
}
