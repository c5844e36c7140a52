package io.github.cameld1backup.source;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.databind.JsonNode;
import java.util.List;

/** The Cloudflare API envelope: {@code {result, success, errors, messages}}. */
@JsonIgnoreProperties(ignoreUnknown = true)
public record D1Envelope(JsonNode result, boolean success, List<Error> errors) {

    @JsonIgnoreProperties(ignoreUnknown = true)
    public record Error(int code, String message) {
    }
}
