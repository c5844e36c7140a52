package io.github.cameld1backup.config;

/** Where a backup reads from: {@code d1} (database id as location) or {@code sqlite:PATH}. */
public record SourceSpec(String kind, String location) {

    public static final String D1 = "d1";
    public static final String SQLITE = "sqlite";

    public String describe() {
        return kind.equals(D1) ? "D1 database " + location : "SQLite file " + location;
    }
}
