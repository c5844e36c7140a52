package io.github.cameld1backup.export;

import io.github.cameld1backup.core.BackupProperties;
import io.github.cameld1backup.model.BackupRun;
import io.github.cameld1backup.config.SourceSpec;
import io.github.cameld1backup.schema.Schema;
import io.github.cameld1backup.schema.Table;
import java.util.List;
import org.apache.camel.Body;
import org.apache.camel.ExchangeProperty;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Route predicate: whether this run takes D1's export ({@code backup.mode=export}) rather than the
 * paged dump. It falls back to paged, saying why, where the export cannot give a faithful backup:
 * a source that is not D1, virtual tables (D1's export refuses them), or data left out by
 * {@code backup.exclude} (the export holds every row), or an incremental (the export holds every row too).
 */
public class ExportMode {

    private static final Logger LOG = LoggerFactory.getLogger(ExportMode.class);

    public boolean applies(@Body Schema schema, @ExchangeProperty(BackupProperties.RUN) BackupRun run) {
        if (!run.settings().mode().equals("export")) {
            return false;
        }
        String database = run.databaseName();
        if (run.incremental() != null && run.incremental().incremental()) {
            LOG.info("Backup {} is an incremental, which D1's export cannot take; using paged mode", run.id());
            return false;
        }
        if (!run.source().kind().equals(SourceSpec.D1)) {
            LOG.warn("Backup mode export needs a D1 source; {} is dumped in paged mode", run.source().describe());
            return false;
        }
        List<Table> virtual = schema.tables().stream().filter(Table::isVirtual).toList();
        if (!virtual.isEmpty()) {
            LOG.warn("Database {} has virtual tables ({}), which D1's export cannot dump; using paged mode", database,
                    String.join(", ", virtual.stream().map(t -> t.module() + ": " + t.name()).toList()));
            return false;
        }
        if (!run.settings().exclusions().isEmpty()) {
            LOG.warn("Database {} leaves data out (backup.exclude), which D1's export cannot do; using paged mode",
                    database);
            return false;
        }
        run.schema(schema);
        run.mode("export");
        return true;
    }
}
