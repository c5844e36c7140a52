package io.github.cameld1backup.observe;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.github.cameld1backup.core.BackupProperties;
import io.github.cameld1backup.model.BackupResult;
import java.io.IOException;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import org.apache.camel.Body;
import org.apache.camel.ExchangeProperty;

/**
 * Bean that words the alert a webhook gets when a backup fails (and, if asked, when it succeeds): a
 * generic JSON payload, or Slack's {@code {"text": ...}}. The backup route taps its reports off to
 * routes/alerts.camel.yaml (a seda queue the run does not wait for), whose direct:alert posts them, retries and swallows its own
 * failure: a slow or broken webhook never holds up or fails a backup.
 */
public class Alerts {

    private final ObjectMapper json = new ObjectMapper();
    private final String url;
    private final String format;
    private final boolean onSuccess;

    public Alerts(String url, String format, boolean onSuccess) {
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

    /** The webhook's URL (it may carry a token, so it goes in a header, never in an endpoint URI). */
    public String url() {
        return url;
    }

    /**
     * The alert for a run that ended, from its report: failed when the report names an error (BackupLifecycle.failed
     * made it), else succeeded (the run's result is the body).
     */
    public String ended(@ExchangeProperty(BackupProperties.REPORT) Map<String, Object> report, @Body Object body)
            throws IOException {
        return report != null && report.containsKey("error") ? failed(report) : succeeded((BackupResult) body);
    }

    /** The alert for a failed backup (the report BackupLifecycle.failed made), or null without a webhook. */
    private String failed(Map<String, Object> report) throws IOException {
        String database = (String) report.get("database");
        String error = String.valueOf(report.get("error"));
        return payload("backup.failed", "Backup of " + database + " FAILED: " + error,
                details(database, (String) report.get("run"), "error", error));
    }

    /** The alert for a backup that succeeded, or null without a webhook or unless alert.on.success. */
    private String succeeded(BackupResult result) throws IOException {
        return onSuccess ? payload("backup.succeeded", result.summary(),
                details(result.database(), result.runId(), "summary", result.summary())) : null;
    }

    private static Map<String, Object> details(String database, String run, String key, String value) {
        Map<String, Object> d = new LinkedHashMap<>();
        d.put("database", database);
        d.put("run", run);
        d.put(key, value);
        return d;
    }

    private String payload(String event, String text, Map<String, Object> details) throws IOException {
        if (url.isEmpty()) {
            return null;
        }
        Map<String, Object> payload = new LinkedHashMap<>();
        if (format.equals("slack")) {
            payload.put("text", ":floppy_disk: camel-d1-backup: " + text);
        } else {
            payload.put("event", event);
            payload.put("time", Instant.now().toString());
            payload.putAll(details);
        }
        return json.writeValueAsString(payload);
    }
}
