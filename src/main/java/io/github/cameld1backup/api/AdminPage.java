package io.github.cameld1backup.api;

import io.github.cameld1backup.core.ApiException;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.Map;
import java.util.stream.Collectors;
import org.apache.camel.Exchange;
import org.apache.camel.Header;
import org.apache.camel.Message;

/**
 * Bean behind {@code GET /} and {@code GET /admin/{file}}: the admin page's three static files,
 * read once from the classpath ({@code admin/}). Only these names are served, so no request can
 * reach any other resource. The page holds no secret; it talks to the API like any client.
 */
public class AdminPage {

    /** Scripts, styles, images and requests from this origin only; never framed. */
    static final String CSP = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:;"
            + " connect-src 'self'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

    private static final Map<String, String> FILES = Map.of(
            "index.html", "text/html; charset=utf-8",
            "admin.css", "text/css; charset=utf-8",
            "admin.js", "text/javascript; charset=utf-8");

    private final Map<String, byte[]> content;

    public AdminPage() {
        content = FILES.keySet().stream().collect(Collectors.toUnmodifiableMap(f -> f, AdminPage::read));
    }

    public void serve(@Header("file") String file, Exchange exchange) {
        byte[] body = file == null ? null : content.get(file);
        if (body == null) {
            throw new ApiException(404, "no such resource");
        }
        Message m = exchange.getMessage();
        m.removeHeaders("*");
        m.setHeader(Exchange.HTTP_RESPONSE_CODE, 200);
        m.setHeader(Exchange.CONTENT_TYPE, FILES.get(file));
        m.setHeader("Content-Security-Policy", CSP);
        m.setHeader("X-Content-Type-Options", "nosniff");
        m.setHeader("X-Frame-Options", "DENY");
        m.setHeader("Referrer-Policy", "no-referrer");
        m.setHeader("Cache-Control", "no-cache"); // revalidated, so a new version shows at once
        m.setBody(body);
    }

    private static byte[] read(String file) {
        try (InputStream in = AdminPage.class.getResourceAsStream("/admin/" + file)) {
            if (in == null) {
                throw new IllegalStateException("admin/" + file + " is missing from the jar");
            }
            return in.readAllBytes();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
