package io.github.cameld1backup.testing;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
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

    public static JsonNode query(D1Emulator d1, String databaseId, String sql) throws IOException, InterruptedException {
        HttpRequest request = HttpRequest.newBuilder(URI.create(d1.baseUrl() + "/accounts/" + D1Emulator.ACCOUNT
                        + "/d1/database/" + databaseId + "/query"))
                .header("Authorization", "Bearer " + D1Emulator.TOKEN)
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofByteArray(MAPPER.writeValueAsBytes(Map.of("sql", sql))))
                .build();
        HttpResponse<byte[]> response = HTTP.send(request, HttpResponse.BodyHandlers.ofByteArray());
        JsonNode body = MAPPER.readTree(response.body());
        if (!body.path("success").asBoolean()) {
            throw new IllegalStateException("D1 refused the request: " + body.path("errors"));
        }
        return body;
    }

    public static void importDump(D1Emulator d1, String databaseId, Path dump) throws IOException, InterruptedException {
        query(d1, databaseId, Files.readString(dump));
    }
}
