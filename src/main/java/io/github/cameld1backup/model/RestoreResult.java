package io.github.cameld1backup.model;

import java.time.Duration;

/** What a finished restore reports. */
public record RestoreResult(String backup, String target, long statements, long requests, Duration duration) {

    public String summary() {
        return String.format("Restored %s into %s: %d statements%s in %.1f s", backup, target, statements,
                requests > 0 ? " in " + requests + " requests" : "", duration.toMillis() / 1000.0);
    }
}
