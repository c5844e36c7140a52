package io.github.cameld1backup.api;

import org.apache.camel.http.base.HttpHeaderFilterStrategy;

/**
 * platform-http's header filter, except that {@code Cache-Control} reaches the client: Camel's
 * default drops it from answers, so "no-store" on API answers and downloads never left the server.
 */
public class ApiHeaderFilter extends HttpHeaderFilterStrategy {

    @Override
    protected void initialize() {
        super.initialize();
        getOutFilter().remove("cache-control");
    }
}
