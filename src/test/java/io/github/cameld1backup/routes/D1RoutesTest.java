package io.github.cameld1backup.routes;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.github.cameld1backup.BackupApplication;
import io.github.cameld1backup.model.BackupResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import org.apache.camel.Exchange;
import org.apache.camel.builder.AdviceWith;
import org.apache.camel.builder.NotifyBuilder;
import org.apache.camel.model.ModelCamelContext;
import org.apache.camel.model.RouteDefinition;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The backup routes against a D1 that answers what each test says: every HTTP request the routes send
 * is intercepted with AdviceWith and answered by the test, so error paths need no D1 at all. Routes are
 * found by the stable endpoint they consume (direct:backup), never by route id.
 */
class D1RoutesTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String DATABASE = "4f1c2d3e-5a6b-4c7d-8e9f-0a1b2c3d4e5f";

    @TempDir
    Path tmp;

    /** One intercepted request: HTTP method, the URI the routes sent to. */
    record Request(String method, String uri) {
        boolean raw() {
            return uri.contains("/raw");
        }
    }

    /** An answer of the fake D1: status and envelope. */
    record Answer(int status, String body) {
    }

    static Answer fatal() {
        return new Answer(400, "{\"result\":null,\"success\":false,\"errors\":[{\"code\":7500,"
                + "\"message\":\"no such table: password_resets: SQLITE_ERROR\"}],\"messages\":[]}");
    }

    static Answer overloaded() {
        return new Answer(503, "{\"result\":null,\"success\":false,\"errors\":[{\"code\":7500,"
                + "\"message\":\"D1 DB is overloaded. Requests queued for too long.\"}],\"messages\":[]}");
    }

    /** What D1 answers for an empty database: its name, a bookmark, and no rows for any statement. */
    static Answer emptyDatabase(Request request, String body) {
        try {
            if (request.uri().contains("/time_travel/bookmark")) {
                return ok("{\"bookmark\":\"00000001-00000000-00004f6c-00000000000000000000000000000000\"}");
            }
            if (request.raw()) {
                JsonNode sent = JSON.readTree(body);
                int statements = sent.has("batch") ? sent.get("batch").size() : 1;
                StringBuilder results = new StringBuilder("[");
                for (int i = 0; i < statements; i++) {
                    results.append(i == 0 ? "" : ",")
                            .append("{\"results\":{\"columns\":[],\"rows\":[]},\"success\":true,\"meta\":{}}");
                }
                return ok(results.append(']').toString());
            }
            return ok("{\"uuid\":\"" + DATABASE + "\",\"name\":\"shop\"}");
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    static Answer ok(String result) {
        return new Answer(200, "{\"result\":" + result + ",\"success\":true,\"errors\":[],\"messages\":[]}");
    }

    private Map<String, String> settings() {
        Map<String, String> s = new HashMap<>();
        s.put("backup.source", "d1");
        s.put("cloudflare.api.base.url", "http://d1.invalid/client/v4");
        s.put("cloudflare.account.id", "0123456789abcdef0123456789abcdef");
        s.put("cloudflare.api.token", "test-token-0123456789");
        s.put("d1.database.id", DATABASE);
        s.put("d1.retry.delay", "PT0.05S");
        s.put("backup.target", "file:" + tmp.resolve("backups"));
        s.put("backup.compression", "none");
        s.put("backup.work.dir", tmp.resolve("work").toString());
        return s;
    }

    /**
     * Starts the application as the command line does, then advises the backup route: every request to an
     * http endpoint is answered by {@code d1} (given the request and the request's body) and never sent.
     */
    private BackupApplication start(List<Request> requests, Function<Request, Function<String, Answer>> d1)
            throws Exception {
        return start(settings(), requests, d1);
    }

    private BackupApplication start(Map<String, String> settings, List<Request> requests,
            Function<Request, Function<String, Answer>> d1) throws Exception {
        BackupApplication app = BackupApplication.start(settings);
        try {
            ModelCamelContext context = (ModelCamelContext) app.context();
            RouteDefinition backup = context.getRouteDefinitions().stream()
                    .filter(r -> "direct:backup".equals(r.getInput().getEndpointUri()))
                    .findFirst().orElseThrow();
            AdviceWith.adviceWith(context, backup.getRouteId(), advice -> advice
                    .interceptSendToEndpoint("http*").skipSendToOriginalEndpoint()
                    .process(exchange -> {
                        Request request = new Request(exchange.getMessage().getHeader(Exchange.HTTP_METHOD,
                                "POST", String.class), exchange.getProperty(Exchange.INTERCEPTED_ENDPOINT,
                                String.class));
                        String body = exchange.getMessage().getBody(String.class);
                        requests.add(request);
                        Answer answer = d1.apply(request).apply(body);
                        exchange.getMessage().setHeader(Exchange.HTTP_RESPONSE_CODE, answer.status());
                        exchange.getMessage().setBody(answer.body());
                    }));
            return app;
        } catch (Exception e) {
            app.close();
            throw e;
        }
    }

    @Test
    void aFatalD1ErrorFailsTheBackupAtOnceWithD1sMessage() throws Exception {
        List<Request> requests = new CopyOnWriteArrayList<>();
        try (BackupApplication app = start(requests, request -> body ->
                request.raw() ? fatal() : emptyDatabase(request, body))) {
            NotifyBuilder failed = new NotifyBuilder(app.context()).from("direct:backup").whenFailed(1).create();

            assertThatThrownBy(app::backup).hasMessageContaining("no such table: password_resets");

            assertThat(failed.matches(10, TimeUnit.SECONDS)).as("the backup exchange failed").isTrue();
            assertThat(requests.stream().filter(Request::raw).count()).as("a fatal error is not sent again")
                    .isEqualTo(1);
            assertThat(tmp.resolve("backups")).satisfiesAnyOf(
                    dir -> assertThat(dir).doesNotExist(),
                    dir -> assertThat(dir).isEmptyDirectory());
        }
    }

    @Test
    void aTransientD1ErrorIsRetriedAndTheBackupCompletes() throws Exception {
        List<Request> requests = new CopyOnWriteArrayList<>();
        try (BackupApplication app = start(requests, request -> body ->
                request.raw() && requests.stream().filter(Request::raw).count() == 1
                        ? overloaded()
                        : emptyDatabase(request, body))) {
            NotifyBuilder done = new NotifyBuilder(app.context()).from("direct:backup").whenCompleted(1).create();

            BackupResult result = app.backup();

            assertThat(done.matches(10, TimeUnit.SECONDS)).as("the backup exchange completed").isTrue();
            List<Request> raw = requests.stream().filter(Request::raw).toList();
            assertThat(raw.size()).as("the overloaded request and its retry, at least").isGreaterThanOrEqualTo(2);
            assertThat(raw.get(1).uri()).isEqualTo(raw.get(0).uri());
            assertThat(Path.of(result.location())).exists();
            assertThat(Files.readString(Path.of(result.location()))).doesNotContain("password_resets");
        }
    }

    @Test
    void aTransientErrorThatNeverPassesFailsAfterTheConfiguredRetries() throws Exception {
        List<Request> requests = new CopyOnWriteArrayList<>();
        Map<String, String> settings = settings();
        settings.put("d1.retries", "3");
        try (BackupApplication app = start(settings, requests, request -> body ->
                request.raw() ? overloaded() : emptyDatabase(request, body))) {
            NotifyBuilder failed = new NotifyBuilder(app.context()).from("direct:backup").whenFailed(1).create();

            assertThatThrownBy(app::backup).hasMessageContaining("D1 DB is overloaded");

            assertThat(failed.matches(10, TimeUnit.SECONDS)).isTrue();
            assertThat(requests.stream().filter(Request::raw).count()).as("the first attempt and three retries")
                    .isEqualTo(4);
        }
    }
}
