package io.github.cameld1backup.subject;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import java.io.IOException;
import java.io.StringWriter;
import java.io.Writer;
import java.util.List;

/**
 * The answer of a data-subject request ({@code find}, {@code erase}, {@code status}), one entry per backup of
 * the database, newest first. It names the subject by its predicate only ({@code table.column}): the value
 * is in the request, never in the report.
 */
public record SubjectReport(String command, String predicate, boolean dryRun, List<String> erasures,
                            List<Backup> backups, List<Rewritten> rewrites) {

    /** What the subject is in a backup: {@value #PRESENT}, {@value #COVERED}, {@value #REWRITTEN} or {@value #ABSENT}. */
    public static final String PRESENT = "present";
    /** Present in the stored backup; the erasure ledger erases it on every restore and verify. */
    public static final String COVERED = "covered by the ledger";
    /** The backup was rewritten without it (its manifest names the erasure). */
    public static final String REWRITTEN = "erased by rewrite";
    public static final String ABSENT = "absent";

    /** One backup: the subject's state and rows there; {@code found} (find) or {@code erase} (erase), or a note. */
    public record Backup(String backup, String startedAt, String state, long rows, SubjectFindResult found,
                         SubjectEraseReport erase, String note) {
    }

    /** A backup rewritten without the subject, and the name it now has. */
    public record Rewritten(String original, String rewrite) {
    }

    public long rows() {
        return backups.stream().mapToLong(Backup::rows).sum();
    }

    /** The whole report as one JSON document. */
    public void writeJson(JsonGenerator g) throws IOException {
        g.writeStartObject();
        g.writeStringField("command", command);
        g.writeStringField("predicate", predicate);
        if (dryRun) {
            g.writeBooleanField("dryRun", true);
        }
        g.writeArrayFieldStart("erasures");
        for (String id : erasures) {
            g.writeString(id);
        }
        g.writeEndArray();
        g.writeNumberField("rows", rows());
        g.writeArrayFieldStart("backups");
        for (Backup b : backups) {
            writeBackup(g, b);
        }
        g.writeEndArray();
        if (!rewrites.isEmpty()) {
            g.writeArrayFieldStart("rewrites");
            for (Rewritten r : rewrites) {
                g.writeStartObject();
                g.writeStringField("original", r.original());
                g.writeStringField("rewrite", r.rewrite());
                g.writeEndObject();
            }
            g.writeEndArray();
        }
        g.writeEndObject();
    }

    /** One JSON object a line, a line a backup (for tools that read a line at a time). */
    public void writeNdjson(Writer out) throws IOException {
        JsonFactory factory = new JsonFactory();
        for (Backup b : backups) {
            StringWriter line = new StringWriter();
            try (JsonGenerator g = factory.createGenerator(line)) {
                writeBackup(g, b);
            }
            out.write(line + "\n");
        }
    }

    private void writeBackup(JsonGenerator g, Backup b) throws IOException {
        g.writeStartObject();
        g.writeStringField("backup", b.backup());
        g.writeStringField("startedAt", b.startedAt());
        g.writeStringField("predicate", predicate);
        g.writeStringField("state", b.state());
        g.writeNumberField("rows", b.rows());
        if (b.note() != null) {
            g.writeStringField("note", b.note());
        }
        if (b.found() != null) {
            g.writeFieldName("found");
            b.found().writeJson(g);
        }
        if (b.erase() != null) {
            g.writeFieldName(dryRun ? "wouldErase" : "erases");
            b.erase().writeJson(g);
        }
        g.writeEndObject();
    }

    /** A few lines for a terminal. */
    public String summary() {
        StringBuilder out = new StringBuilder();
        for (Backup b : backups) {
            out.append(String.format("%-56s %-22s %6d rows%s%n", b.backup(), b.state(), b.rows(),
                    b.note() == null ? "" : "  (" + b.note() + ")"));
        }
        for (Rewritten r : rewrites) {
            out.append("rewrote ").append(r.original()).append(" as ").append(r.rewrite()).append('\n');
        }
        out.append(switch (command) {
            case "erase" -> dryRun ? "Dry run: " + rows() + " rows of " + predicate + " would be erased; nothing changed"
                    : "Recorded in the erasure ledger as " + String.join(", ", erasures) + ": every restore and verify"
                    + " erases it" + (rewrites.isEmpty() ? "" : "; " + rewrites.size() + " backups rewritten without it");
            case "status" -> backups.size() + " backups; ledger entries for " + predicate + ": "
                    + (erasures.isEmpty() ? "none" : String.join(", ", erasures));
            default -> rows() + " rows of " + predicate + " in " + backups.size() + " backups";
        });
        return out.toString();
    }
}
