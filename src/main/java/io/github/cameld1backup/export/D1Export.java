package io.github.cameld1backup.export;

import com.fasterxml.jackson.databind.JsonNode;
import io.github.cameld1backup.core.BackupProperties;
import io.github.cameld1backup.model.BackupRun;
import io.github.cameld1backup.schema.Schema;
import io.github.cameld1backup.schema.Table;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.apache.camel.Body;
import org.apache.camel.ExchangeProperty;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Bean for the steps of {@code routes/export.camel.yaml}: D1's {@code /export} is started and polled
 * (each request through d1Calls, so it shares the request budget and its retries) until it is
 * complete, fails, or runs out of {@code backup.export.timeout}; its dump is downloaded from the
 * signed URL to a scratch file and rewritten in this project's restorable order into the run's dump.
 */
public class D1Export {

    /** Exchange property holding the {@link Job} of the run's export. */
    public static final String JOB = "d1Export";
    private static final Logger LOG = LoggerFactory.getLogger(D1Export.class);

    /** Made on the first export: building one sets up TLS, which every command would otherwise pay for at start-up. */
    private HttpClient http;

    private synchronized HttpClient http() {
        if (http == null) {
            http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(30))
                    .followRedirects(HttpClient.Redirect.NORMAL).build();
        }
        return http;
    }

    /** The state of one export while it is polled. */
    public static final class Job {
        private final Instant deadline;
        private final Duration timeout;
        private final Duration pollInterval;
        private String atBookmark;
        private String signedUrl;
        private boolean polling = true;
        private int polls;

        Job(Duration timeout, Duration pollInterval) {
            this.timeout = timeout;
            this.deadline = Instant.now().plus(timeout);
            this.pollInterval = pollInterval;
        }

        public boolean polling() {
            return polling;
        }

        public String atBookmark() {
            return atBookmark;
        }
    }

    public Job start(@ExchangeProperty(BackupProperties.RUN) BackupRun run) {
        LOG.info("Backup {}: asking D1 to export {}", run.id(), run.databaseName());
        return new Job(run.settings().exportTimeout(), run.settings().exportPollInterval());
    }

    /** The body of the next POST /export: the first starts the export, the later ones poll it by its bookmark. */
    public Map<String, Object> request(@ExchangeProperty(JOB) Job job) {
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("output_format", "polling");
        body.put("dump_options", Map.of("no_data", false, "no_schema", false));
        if (job.atBookmark != null) {
            body.put("current_bookmark", job.atBookmark);
        }
        return body;
    }

    /** D1's answer to one POST: complete (keep the signed URL), error (fail with D1's words) or still active. */
    public void answer(@Body JsonNode result, @ExchangeProperty(JOB) Job job,
                       @ExchangeProperty(BackupProperties.RUN) BackupRun run) throws InterruptedException {
        job.polls++;
        String bookmark = result.path("at_bookmark").asText("");
        if (!bookmark.isBlank()) {
            job.atBookmark = bookmark;
        }
        String status = result.path("status").asText("").toLowerCase(Locale.ROOT);
        List<String> messages = texts(result.path("messages"));
        if (status.equals("error") || result.path("success").isBoolean() && !result.path("success").asBoolean()) {
            String error = result.path("error").asText("");
            throw new IllegalStateException("D1's export of " + run.databaseName() + " failed: "
                    + (error.isBlank() ? String.join("; ", messages) : error));
        }
        if (status.equals("complete")) {
            job.signedUrl = result.path("result").path("signed_url").asText("");
            if (job.signedUrl.isBlank() || job.atBookmark == null) {
                throw new IllegalStateException("D1's export of " + run.databaseName()
                        + " completed without a signed URL or bookmark");
            }
            job.polling = false;
            LOG.info("Backup {}: D1's export is ready at bookmark {} after {} requests", run.id(), job.atBookmark,
                    job.polls);
            return;
        }
        if (job.atBookmark == null) {
            throw new IllegalStateException("D1's export of " + run.databaseName() + " answered status '" + status
                    + "' without a bookmark to poll it by");
        }
        if (Instant.now().plus(job.pollInterval).isAfter(job.deadline)) {
            throw new IllegalStateException("D1's export of " + run.databaseName() + " did not complete within "
                    + job.timeout + " (BACKUP_EXPORT_TIMEOUT); D1 cancels an export nobody polls, but the database may"
                    + " answer \"Currently processing a long-running export\" until it has");
        }
        LOG.debug("D1's export: {} {}", status, messages);
        Thread.sleep(job.pollInterval.toMillis());
    }

    /**
     * Streams the dump from the signed URL into a scratch file, then rewrites it into the run's dump.
     * The URL is fetched as D1 gave it (its signature covers the exact query) and without our API token.
     */
    public Schema dump(@ExchangeProperty(JOB) Job job, @ExchangeProperty(BackupProperties.RUN) BackupRun run)
            throws IOException, InterruptedException {
        Path scratch = Files.createTempDirectory(run.settings().workDirectory(), "camel-d1-backup-export-");
        try {
            Path download = scratch.resolve("export.sql");
            URI signed;
            try {
                signed = URI.create(job.signedUrl);
            } catch (IllegalArgumentException e) {
                // never the URL itself in a message: its signature lets anyone download the dump
                throw new IllegalStateException("D1's export of " + run.databaseName() + " gave a signed URL that is"
                        + " not a URL");
            }
            // Bounded like the polling: a download that stalls must not hold the run (and its slot) forever.
            HttpResponse<Path> response = http().send(HttpRequest.newBuilder(signed).timeout(run.settings().exportTimeout())
                    .GET().build(), HttpResponse.BodyHandlers.ofFile(download));
            if (response.statusCode() != 200) {
                throw new IllegalStateException("downloading D1's export of " + run.databaseName() + " failed: HTTP "
                        + response.statusCode() + " (signed URLs expire; run the backup again)");
            }
            LOG.info("Backup {}: D1's export downloaded ({} bytes); reordering it", run.id(), Files.size(download));
            ExportReorder reorder = new ExportReorder(run.schema(), run.writer(), scratch);
            Map<String, Long> rows;
            try {
                // No database name in a comment (SqlDumpWriter.comment): names may hold anything.
                rows = reorder.reorder(download, List.of("camel-d1-backup dump from D1's export at bookmark " + job.atBookmark,
                        "Restore: sqlite3 NEW.db < FILE, or wrangler d1 execute DB --remote --file FILE"));
            } catch (ExportReorder.RowTooLarge e) {
                LOG.warn("Backup {}: {}; using paged mode, which builds large values up in pieces", run.id(), e.getMessage());
                run.mode("paged");
                return run.schema(); // what the paged dump starts from
            }
            List<String> inexact = reorder.inexact();
            run.inexact(inexact);
            if (!inexact.isEmpty()) {
                LOG.warn("Backup {}: D1's export of {} could not carry every value exactly; the manifest says"
                        + " exact: false because {}", run.id(), run.databaseName(), String.join("; ", inexact));
            }
            for (Table table : run.schema().dataOrder()) {
                run.tableDone(table.name(), rows.getOrDefault(table.name().toLowerCase(Locale.ROOT), 0L));
            }
            run.timeTravel(TimeTravelBookmarks.snapshot(job.atBookmark, run.databaseName()));
            run.sourceVersion(job.atBookmark); // one snapshot: the database at this bookmark
            return run.schema();
        } finally {
            deleteTree(scratch);
        }
    }

    private static List<String> texts(JsonNode array) {
        List<String> out = new ArrayList<>();
        array.forEach(m -> out.add(m.isTextual() ? m.asText() : m.path("message").asText(m.toString())));
        return out;
    }

    private static void deleteTree(Path dir) {
        try (var files = Files.walk(dir)) {
            files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException e) {
            LOG.warn("Could not delete scratch folder {}: {}", dir, e.getMessage());
        }
    }
}
