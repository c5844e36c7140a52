package io.github.cameld1backup.model;

import java.time.Duration;
import java.util.List;

/**
 * What a finished restore reports. {@code links}: the backups loaded, oldest first: the backup itself,
 * or for an incremental its chain (the full backup, then each incremental up to it). {@code erasures}: what
 * the erasure ledger removed after loading (null when it has no entries).
 */
public record RestoreResult(String backup, String target, long statements, long requests, Duration duration,
                            List<String> links, ErasuresApplied erasures) {

    public RestoreResult(String backup, String target, long statements, long requests, Duration duration) {
        this(backup, target, statements, requests, duration, List.of(backup), null);
    }

    public String summary() {
        String chain = links.size() > 1 ? " (a chain of " + links.size() + ": " + String.join(", then ", links) + ")" : "";
        return String.format("Restored %s%s into %s: %d statements%s in %.1f s%s", backup, chain, target, statements,
                requests > 0 ? " in " + requests + " requests" : "", duration.toMillis() / 1000.0,
                erasures == null ? "" : "\n" + erasures.summary());
    }
}
