package io.github.cameld1backup.restore;

import io.github.cameld1backup.source.D1Calls;
import io.github.cameld1backup.source.D1ErrorClass;
import io.github.cameld1backup.source.D1Exception;
import io.github.cameld1backup.sql.SqlScript;
import io.github.cameld1backup.sql.SqlText;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Loads a dump into D1 through {@code /query}: statements in requests of bounded size, each request
 * one transaction with foreign-key checks deferred to its end. A request that fails on its SQL or
 * its size is split in halves until the failing statement is found, so the error names it,
 * everything before it is applied, and {@code --resume-from} it finishes the job.
 *
 * <p>Every write applies exactly once, although D1 may commit a request whose answer is then lost
 * (a reset, a cut-off answer, a 5xx): resending it would apply it twice, and a dump's
 * {@code UPDATE staging SET v = v || piece} would append a piece twice. So each write request also
 * records its own key in a progress table ({@link #PROGRESS}) in the same transaction, as its first
 * statement; the key is the table's primary key, so a request that did commit fails if run again and
 * changes nothing. Before resending after an ambiguous failure the loader reads the table (see
 * {@link D1Calls#COMMITTED}) and resends only what did not commit. The table is dropped at the end.
 */
public final class D1Loader {

    /** Sends statements to D1. */
    public interface Sender {
        /** Sends statements as one request (one transaction); throws on any error. */
        void send(List<String> statements, D1Calls.CommitCheck check);

        /** Runs one read; answers the rows of it. */
        List<Map<String, Object>> read(String sql);
    }

    /** The table the requests of a restore record themselves in (dropped at its end; no dump makes it). */
    public static final String PROGRESS = "_camel_d1_backup_restore_progress";
    private static final Logger LOG = LoggerFactory.getLogger(D1Loader.class);
    private static final String DEFER = "PRAGMA defer_foreign_keys = on";

    private final Sender sender;
    private final int maxRequestBytes;
    private final int maxStatements;
    private final int maxStatementBytes;
    /** This restore's part of every request key: a leftover table of an earlier restore never matches. */
    private final String run = HexFormat.of().formatHex(longBytes(ThreadLocalRandom.current().nextLong()));
    private long requests;
    private long writes;

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
        requests++;
        // Idempotent: sent again freely.
        sender.send(List.of("CREATE TABLE IF NOT EXISTS " + SqlText.identifier(PROGRESS)
                + " (request TEXT PRIMARY KEY, last_statement INTEGER NOT NULL)"), null);
        List<Numbered> batch = new ArrayList<>();
        int batchBytes = 0;
        long n = 0;
        try {
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
        } catch (RestoreException e) {
            if (commitUnknown(e) == null && D1Exception.classOf(e.getCause()) == D1ErrorClass.FATAL) {
                dropProgress(); // D1 answers: leave nothing of the restore's own behind
            }
            throw e;
        }
        dropProgress();
        return n;
    }

    private void dropProgress() {
        try {
            requests++;
            sender.send(List.of("DROP TABLE IF EXISTS " + SqlText.identifier(PROGRESS)), null);
        } catch (RuntimeException e) {
            LOG.warn("Could not drop the restore's progress table {}: {}", PROGRESS, e.getMessage());
        }
    }

    private void sendAll(List<Numbered> batch, Consumer<String> progress) {
        bisect(batch);
        progress.accept("restored statements up to " + batch.get(batch.size() - 1).number() + " (" + requests
                + " requests)");
    }

    /** Sends; on an SQL error or a request too large, halves the batch until the single failing statement is known. */
    private void bisect(List<Numbered> batch) {
        try {
            send(batch);
        } catch (RuntimeException e) {
            Numbered first = batch.get(0);
            Numbered last = batch.get(batch.size() - 1);
            D1Calls.CommitUnknown unknown = commitUnknown(e);
            if (unknown != null) {
                throw new RestoreException("the request of statements " + first.number() + " to " + last.number()
                        + " failed, and whether D1 applied it is unknown: " + unknown.getMessage() + "; statements before "
                        + first.number() + " are restored; if table " + PROGRESS + " holds a row whose last_statement is "
                        + last.number() + " it was applied (resume with --resume-from " + (last.number() + 1)
                        + "), otherwise resume with --resume-from " + first.number(), e);
            }
            D1ErrorClass kind = D1Exception.classOf(e);
            if (kind.retryable()) {
                // Retries ran out on a failure that would pass in time: the request is not to blame, smaller ones won't help.
                throw new RestoreException("statements " + first.number() + " to " + last.number() + " (from line "
                        + first.line() + ") failed: " + e.getMessage() + "; statements before " + first.number()
                        + " are restored; resume with --resume-from " + first.number(), e);
            }
            if (batch.size() == 1) {
                throw new RestoreException("statement " + first.number() + " (line " + first.line() + ") failed: "
                        + e.getMessage() + " -- " + SqlText.abbreviate(first.sql()) + "; statements before it are restored;"
                        + " resume with --resume-from " + first.number(), e);
            }
            LOG.warn("A request of {} statements from {} failed ({}); narrowing it down", batch.size(),
                    first.number(), e.getMessage());
            int half = batch.size() / 2;
            bisect(batch.subList(0, half));
            bisect(batch.subList(half, batch.size()));
        }
    }

    private void send(List<Numbered> batch) {
        String key = run + ":" + (++writes);
        List<String> statements = new ArrayList<>(batch.size() + 2);
        statements.add(DEFER);
        statements.add("INSERT INTO " + SqlText.identifier(PROGRESS) + " (request, last_statement) VALUES ('" + key + "', "
                + batch.get(batch.size() - 1).number() + ")");
        batch.forEach(s -> statements.add(s.sql()));
        requests++;
        sender.send(statements, () -> {
            requests++;
            return !sender.read("SELECT last_statement FROM " + SqlText.identifier(PROGRESS) + " WHERE request = '"
                    + key + "'").isEmpty();
        });
    }

    private static D1Calls.CommitUnknown commitUnknown(Throwable failure) {
        for (Throwable cause = failure; cause != null; cause = cause.getCause()) {
            if (cause instanceof D1Calls.CommitUnknown unknown) {
                return unknown;
            }
        }
        return null;
    }

    private static byte[] longBytes(long v) {
        return ByteBuffer.allocate(8).putLong(v).array();
    }
}
