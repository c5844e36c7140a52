package io.github.cameld1backup.observe;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Supplier;
import org.apache.camel.ProducerTemplate;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Bean that tells a webhook when a backup fails (and, if asked, when it succeeds): a generic JSON
 * payload, or Slack's {@code {"text": ...}}. Sent through {@code direct:alert}, which retries and
 * swallows its own failure: a broken webhook never fails a backup.
 */
public class Alerts {

    private static final Logger LOG = LoggerFactory.getLogger(Alerts.class);
    private final ObjectMapper json = new ObjectMapper();
    private final Supplier<ProducerTemplate> templates;
    private final String url;
    private final String format;
    private final boolean onSuccess;

    public Alerts(Supplier<ProducerTemplate> templates, String url, String format, boolean onSuccess) {
        this.templates = templates;
        this.url = url == null ? "" : url.trim();
        this.format = format == null || format.isBlank() ? (this.url.contains("hooks.slack.com") ? "slack" : "json") : format;
        this.onSuccess = onSuccess;
        if (!this.url.isEmpty() && !this.url.matches("https?://.+")) {
            throw new IllegalArgumentException("ALERT_WEBHOOK_URL (alert.webhook.url) must be an http(s) URL");
        }
        if (!this.format.equals("json") && !this.format.equals("slack")) {
            throw new IllegalArgumentException("ALERT_FORMAT (alert.format) must be json or slack, got '" + format + "'");
        }
    }

    public void backupFailed(String database, String run, String error) {
        send("backup.failed", "Backup of " + database + " FAILED: " + error, details(database, run, "error", error));
    }

    public void backupSucceeded(String database, String run, String summary) {
        if (onSuccess) {
            send("backup.succeeded", summary, details(database, run, "summary", summary));
        }
    }

    private static Map<String, Object> details(String database, String run, String key, String value) {
        Map<String, Object> d = new LinkedHashMap<>();
        d.put("database", database);
        d.put("run", run);
        d.put(key, value);
        return d;
    }

    private void send(String event, String text, Map<String, Object> details) {
        if (url.isEmpty()) {
            return;
        }
        Map<String, Object> payload = new LinkedHashMap<>();
        if (format.equals("slack")) {
            payload.put("text", ":floppy_disk: camel-d1-backup: " + text);
        } else {
            payload.put("event", event);
            payload.put("time", Instant.now().toString());
            payload.putAll(details);
        }
        try {
            templates.get().sendBodyAndHeader("direct:alert", json.writeValueAsString(payload), "AlertUrl", url);
        } catch (Exception e) {
            LOG.error("Could not send the {} alert: {}", event, e.getMessage()); // never fails the backup
        }
    }
}
