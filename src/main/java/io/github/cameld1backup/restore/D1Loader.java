package io.github.cameld1backup.restore;

import io.github.cameld1backup.sql.SqlScript;
import io.github.cameld1backup.sql.SqlText;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Loads a dump into D1 through {@code /query}: statements in requests of bounded size, each request
 * one transaction with foreign-key checks deferred to its end. A request that fails is split in
 * halves until the failing statement is found, so the error names it, everything before it is
 * applied, and {@code --resume-from} it finishes the job.
 */
public final class D1Loader {

    /** Sends statements as one D1 request; throws on any error. */
    public interface Sender {
        void send(List<String> statements);
    }

    private static final Logger LOG = LoggerFactory.getLogger(D1Loader.class);
    private static final String DEFER = "PRAGMA defer_foreign_keys = on";

    private final Sender sender;
    private final int maxRequestBytes;
    private final int maxStatements;
    private final int maxStatementBytes;
    private long requests;

    record Numbered(long number, long line, String sql) {
    }

    public D1Loader(Sender sender, int maxRequestBytes, int maxStatements, int maxStatementBytes) {
        this.sender = sender;
        this.maxRequestBytes = maxRequestBytes;
        this.maxStatements = maxStatements;
        this.maxStatementBytes = maxStatementBytes;
    }

    public long requests() {
        return requests;
    }

    /**
     * @param resumeFrom first statement to apply (1 = all)
     * @return the number of the last statement applied
     */
    public long load(InputStream sql, long resumeFrom, List<String> before, Consumer<String> progress) {
        SqlScript script = new SqlScript(new InputStreamReader(sql, StandardCharsets.UTF_8));
        List<Numbered> batch = new ArrayList<>();
        int batchBytes = 0;
        long n = 0;
        if (!before.isEmpty()) {
            send(before.stream().map(s -> new Numbered(0, 0, s)).toList());
        }
        while (script.hasNext()) {
            String statement = script.next();
            n++;
            if (n < resumeFrom) {
                continue;
            }
            int size = SqlText.utf8Length(statement);
            if (size > maxStatementBytes) {
                throw new RestoreException("statement " + n + " (line " + script.lineOfLast() + ") is " + size
                        + " bytes, over D1's limit of " + maxStatementBytes + "; statements before it are restored;"
                        + " resume with --resume-from " + n + " once it is split");
            }
            if (!batch.isEmpty() && (batchBytes + size > maxRequestBytes || batch.size() >= maxStatements)) {
                sendAll(batch, progress);
                batch = new ArrayList<>();
                batchBytes = 0;
            }
            batch.add(new Numbered(n, script.lineOfLast(), statement));
            batchBytes += size + 2;
        }
        if (!batch.isEmpty()) {
            sendAll(batch, progress);
        }
        return n;
    }

    private void sendAll(List<Numbered> batch, Consumer<String> progress) {
        bisect(batch);
        progress.accept("restored statements up to " + batch.get(batch.size() - 1).number() + " (" + requests
                + " requests)");
    }

    /** Sends; on failure halves the batch until the single failing statement is known. */
    private void bisect(List<Numbered> batch) {
        try {
            send(batch);
        } catch (RuntimeException e) {
            if (batch.size() == 1) {
                Numbered s = batch.get(0);
                throw new RestoreException("statement " + s.number() + " (line " + s.line() + ") failed: "
                        + e.getMessage() + " -- " + SqlText.abbreviate(s.sql()) + "; statements before it are restored;"
                        + " resume with --resume-from " + s.number(), e);
            }
            LOG.warn("A request of {} statements from {} failed ({}); narrowing it down", batch.size(),
                    batch.get(0).number(), e.getMessage());
            int half = batch.size() / 2;
            bisect(batch.subList(0, half));
            bisect(batch.subList(half, batch.size()));
        }
    }

    private void send(List<Numbered> batch) {
        List<String> statements = new ArrayList<>(batch.size() + 1);
        statements.add(DEFER);
        batch.forEach(s -> statements.add(s.sql()));
        requests++;
        sender.send(statements);
    }
}
