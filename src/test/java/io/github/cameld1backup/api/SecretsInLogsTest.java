package io.github.cameld1backup.api;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.cameld1backup.testing.Backups;
import io.github.cameld1backup.testing.WorkerdD1;
import io.github.cameld1backup.testing.Fixtures;
import io.github.cameld1backup.testing.Service;
import io.github.cameld1backup.testing.SigningKeys;
import java.nio.file.Files;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.core.LogEvent;
import org.apache.logging.log4j.core.LoggerContext;
import org.apache.logging.log4j.core.appender.AbstractAppender;
import org.apache.logging.log4j.core.config.Property;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** No secret, code or key ever appears in a log line, on success or on failure. */
class SecretsInLogsTest {

    static final String ENCRYPTION_KEY = "5eC2e7a1b0c9d8f7e6a5b4c3d2e1f0a9b8c7d6e5f4a3b2c1d0e9f8a7b6c5d4e3";
    static final String API_KEY = "api-key-that-must-not-be-logged";

    @TempDir
    Path tmp;

    /** Captures every event at every level, with its stack trace. */
    static final class Capture extends AbstractAppender {
        final List<String> lines = new CopyOnWriteArrayList<>();

        Capture() {
            super("capture", null, null, false, Property.EMPTY_ARRAY);
        }

        @Override
        public void append(LogEvent event) {
            StringWriter text = new StringWriter().append(event.getMessage().getFormattedMessage());
            if (event.getThrown() != null) {
                event.getThrown().printStackTrace(new PrintWriter(text));
            }
            lines.add(text.toString());
        }
    }

    @Test
    void secretsStayOutOfTheLogs() throws Exception {
        LoggerContext logs = (LoggerContext) LogManager.getContext(false);
        Capture capture = new Capture();
        capture.start();
        logs.getConfiguration().getRootLogger().addAppender(capture, org.apache.logging.log4j.Level.ALL, null);
        logs.getConfiguration().getRootLogger().setLevel(org.apache.logging.log4j.Level.ALL);
        logs.updateLoggers();
        List<String> used = new ArrayList<>();
        String signingKeyBody;
        try (WorkerdD1 d1 = new WorkerdD1()) {
            String id = d1.addDatabase("secret", Fixtures.create("edge_values", tmp));
            Map<String, String> settings = Backups.d1(d1, id);
            settings.put("encryption.key", ENCRYPTION_KEY);
            settings.put("backup.target", "file:" + tmp.resolve("backups"));
            // The manifest signing key as PEM text in the setting itself: its base64 body is the secret.
            String signingPem = Files.readString(SigningKeys.make(tmp.resolve("keys"), "manifest").privatePem());
            signingKeyBody = signingPem.lines().filter(l -> !l.startsWith("-----")).findFirst().orElseThrow();
            settings.put("manifest.signing.key", signingPem);
            Backups.run(settings, tmp.resolve("backups"));
            settings.put("cloudflare.api.token", "wrong-token-also-secret");
            try {
                Backups.run(settings, tmp.resolve("backups"));
            } catch (Exception expected) {
                // a refused token: the failure is logged, the token is not
            }

            settings.put("cloudflare.api.token", WorkerdD1.TOKEN);
            settings.put("backup.api.key", API_KEY);
            try (Service service = new Service(settings)) {
                String good = service.freshCode();
                used.add(good);
                service.call("POST", "/api/backup", Map.of("Authorization", "Bearer " + good, "X-API-Key", API_KEY));
                service.call("POST", "/api/backup", Map.of("Authorization", "Bearer " + good, "X-API-Key", API_KEY));
                service.call("POST", "/api/backup", Map.of("Authorization", "Bearer 123456", "X-API-Key", "guess"));
                String another = service.freshCode();
                used.add(another);
                service.call("GET", "/api/backup", Map.of("Authorization", "Bearer " + another));
                // An admin-page session: its token, used, forged and closed, never reaches a log either.
                String forSession = service.freshCode();
                used.add(forSession);
                String token = service.call("POST", "/api/session", Map.of("Authorization", "Bearer " + forSession,
                        "X-API-Key", API_KEY)).json().path("token").asText();
                assertThat(token).hasSize(43);
                used.add(token);
                service.call("GET", "/api/backup/runs", Map.of("Authorization", "Bearer " + token, "X-API-Key", API_KEY));
                service.call("GET", "/api/backup", Map.of("Authorization", "Bearer " + token.substring(1) + "A",
                        "X-API-Key", API_KEY));
                service.call("DELETE", "/api/session", Map.of("Authorization", "Bearer " + token, "X-API-Key", API_KEY));
            }
        } finally {
            logs.getConfiguration().getRootLogger().removeAppender("capture");
            logs.getConfiguration().getRootLogger().setLevel(org.apache.logging.log4j.Level.WARN);
            logs.updateLoggers();
        }

        assertThat(capture.lines).isNotEmpty();
        for (String line : capture.lines) {
            assertThat(line).doesNotContain(WorkerdD1.TOKEN).doesNotContain("wrong-token-also-secret")
                    .doesNotContainIgnoringCase(ENCRYPTION_KEY).doesNotContain(Service.SECRET).doesNotContain(API_KEY)
                    .doesNotContain("guess").doesNotContainPattern("Bearer [0-9A-Za-z_-]").doesNotContain(signingKeyBody);
            for (String code : used) {
                assertThat(line).doesNotContainPattern("(?<![0-9A-Za-z])" + code + "(?![0-9A-Za-z])");
            }
        }
    }
}
