package io.github.cameld1backup.model;

import io.github.cameld1backup.core.BackupProperties;
import org.apache.camel.ExchangeProperty;

/** Route steps on the exchange's {@link BackupRun}, so routes call a bean instead of a script: expression. */
public class RunSteps {

    /** Counts a request the run makes of its source; none when the exchange is not part of a backup run. */
    public void countRequest(@ExchangeProperty(BackupProperties.RUN) BackupRun run) {
        if (run != null) {
            run.countRequest();
        }
    }
}
