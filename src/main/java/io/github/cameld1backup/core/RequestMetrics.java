package io.github.cameld1backup.core;

import org.apache.camel.CamelContext;
import org.apache.camel.Exchange;

/**
 * What the D1 calls report to the metrics: a retried request. The metrics bean (bound as
 * {@value #BEAN} when metrics are on) implements it, so the calls need not know the metrics package.
 */
public interface RequestMetrics {

    /** The name the metrics bean is bound under. */
    String BEAN = "backupMetrics";

    /** A request of the exchange's backup was retried. */
    void retried(Exchange exchange);

    /** The metrics bean of a context; one that does nothing where none is bound (metrics off). */
    static RequestMetrics of(CamelContext context) {
        RequestMetrics metrics = context.getRegistry().lookupByNameAndType(BEAN, RequestMetrics.class);
        return metrics != null ? metrics : exchange -> { };
    }
}
