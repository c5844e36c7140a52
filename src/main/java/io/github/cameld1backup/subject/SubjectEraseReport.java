package io.github.cameld1backup.subject;

import com.fasterxml.jackson.core.JsonGenerator;
import java.io.IOException;
import java.util.List;

/**
 * What erasing did to one database (or, on a dry run, would do: then nothing changed and
 * {@code preview} holds the rows concerned). {@code notes} says what the erasure could not reach, such
 * as a full-text table that keeps its own copy of text with nothing tying its rows to the subject's.
 */
public record SubjectEraseReport(List<TableEffect> effects, boolean dryRun, SubjectFindResult preview,
                                 List<String> notes) {

    public static final String DELETED = "deleted";
    public static final String SET_NULL = "set-null";
    public static final String SET_DEFAULT = "set-default";
    public static final String REDACTED = "redacted";

    public SubjectEraseReport {
        effects = List.copyOf(effects);
        notes = List.copyOf(notes);
    }

    public SubjectEraseReport(List<TableEffect> effects, boolean dryRun) {
        this(effects, dryRun, null, List.of());
    }

    /** {@code rows} rows of {@code table} were (or would be) {@code action}: deleted, set-null, redacted, set-default. */
    public record TableEffect(String table, String action, int rows, String via) {
    }

    /** Rows touched in all tables. */
    public int total() {
        return effects.stream().mapToInt(TableEffect::rows).sum();
    }

    /**
     * {@code {"dryRun":..,"rows":N,"effects":[{"table":..,"action":..,"rows":..,"via":..}],"notes":[..]}},
     * and on a dry run {@code "preview"} with the rows as {@link SubjectFindResult#writeJson} writes them.
     */
    public void writeJson(JsonGenerator json) throws IOException {
        json.writeStartObject();
        json.writeBooleanField("dryRun", dryRun);
        json.writeNumberField("rows", total());
        json.writeArrayFieldStart("effects");
        for (TableEffect effect : effects) {
            json.writeStartObject();
            json.writeStringField("table", effect.table());
            json.writeStringField("action", effect.action());
            json.writeNumberField("rows", effect.rows());
            json.writeStringField("via", effect.via());
            json.writeEndObject();
        }
        json.writeEndArray();
        json.writeArrayFieldStart("notes");
        for (String note : notes) {
            json.writeString(note);
        }
        json.writeEndArray();
        if (preview != null) {
            json.writeFieldName("preview");
            preview.writeJson(json);
        }
        json.writeEndObject();
    }
}
