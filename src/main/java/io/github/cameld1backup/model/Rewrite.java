package io.github.cameld1backup.model;

import java.util.List;

/**
 * A backup run that rewrites a stored backup with a data subject erased ({@code subject erase --rewrite}):
 * the backup it replaces, the name the rewrite is stored under and the erasure ledger entries applied. The
 * backup route stores it like any other; its manifest keeps the original's times, database and bookmarks.
 */
public record Rewrite(Manifest original, String objectName, List<String> erasures) {
}
