package io.github.cameld1backup.routes;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.github.cameld1backup.BackupApplication;
import io.github.cameld1backup.model.BackupResult;
import io.github.cameld1backup.model.Manifest;
import io.github.cameld1backup.testing.Backups;
import io.github.cameld1backup.testing.Fixtures;
import io.github.cameld1backup.testing.S3ProxyServer;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.function.BiPredicate;
import org.apache.camel.builder.AdviceWith;
import org.apache.camel.builder.NotifyBuilder;
import org.apache.camel.component.aws2.s3.AWS2S3Constants;
import org.apache.camel.component.mock.MockEndpoint;
import org.apache.camel.model.ModelCamelContext;
import org.apache.camel.model.RouteDefinition;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The store route with uploads that fail: AdviceWith (on the route consuming direct:store, not by route id)
 * intercepts aws2-s3 and refuses the uploads a test names; the rest reach a real S3 server (S3Proxy). What
 * the bucket holds afterwards is what users would see.
 */
class StoreRoutesTest {

    /**
     * Every send to aws2-s3 passes this mock first, once: redeliveries repeat only the failed step (the
     * refusal), so the attempts are counted in the test's own list.
     */
    static final String UPLOADS = "mock:s3-uploads";

    static S3ProxyServer s3;

    @TempDir
    Path tmp;

    @BeforeAll
    static void startS3() throws Exception {
        s3 = new S3ProxyServer();
    }

    @AfterAll
    static void stopS3() throws Exception {
        s3.close();
    }

    private Map<String, String> settings(String bucket) throws Exception {
        s3.createBucket(bucket);
        Map<String, String> settings = s3.settings(Backups.sqlite(Fixtures.create("schema_zoo", tmp)));
        settings.put("backup.target", "r2");
        settings.put("r2.bucket", bucket);
        settings.put("backup.compression", "none");
        settings.put("backup.upload.retry.delay", "10");
        settings.put("backup.work.dir", tmp.resolve("work").toString());
        return settings;
    }

    /**
     * Starts the application as the command line does and advises the store route: an upload for which
     * {@code refuse} (object key, attempt number of that key) holds fails; the others are sent to S3.
     */
    private BackupApplication start(Map<String, String> settings, List<String> attempts,
            BiPredicate<String, Long> refuse) throws Exception {
        BackupApplication app = BackupApplication.start(settings);
        try {
            ModelCamelContext context = (ModelCamelContext) app.context();
            RouteDefinition store = context.getRouteDefinitions().stream()
                    .filter(r -> "direct:store".equals(r.getInput().getEndpointUri()))
                    .findFirst().orElseThrow();
            AdviceWith.adviceWith(context, store.getRouteId(), advice -> advice
                    // Uploads only: the interception is context-wide, and the cleanup after a failed copy
                    // (PartialCopies) sends headObject, getObject and deleteObject to aws2-s3 endpoints too.
                    .interceptSendToEndpoint("aws2-s3:.*multiPartUpload=true.*")
                    .to(UPLOADS)
                    .process(exchange -> {
                        String key = exchange.getMessage().getHeader(AWS2S3Constants.KEY, String.class);
                        attempts.add(key);
                        long attempt = attempts.stream().filter(key::equals).count();
                        if (refuse.test(key, attempt)) {
                            throw new IOException("upload refused by the test: " + key);
                        }
                    }));
            return app;
        } catch (Exception e) {
            app.close();
            throw e;
        }
    }

    private static MockEndpoint uploads(BackupApplication app) {
        return app.context().getEndpoint(UPLOADS, MockEndpoint.class);
    }

    private static boolean manifest(String key) {
        return key.endsWith(Manifest.SUFFIX);
    }

    @Test
    void aFailingUploadLeavesNeitherObjectNorManifest() throws Exception {
        List<String> attempts = new CopyOnWriteArrayList<>();
        try (BackupApplication app = start(settings("object-fails"), attempts, (key, attempt) -> !manifest(key))) {
            NotifyBuilder failed = new NotifyBuilder(app.context()).from("direct:backup").whenFailed(1).create();
            MockEndpoint uploads = uploads(app);
            uploads.expectedMessageCount(1); // the object; never its manifest

            assertThatThrownBy(app::backup).hasMessageContaining("upload refused by the test");

            assertThat(failed.matches(30, TimeUnit.SECONDS)).isTrue();
            uploads.assertIsSatisfied();
            // backup.upload.retries = 3: the first attempt and three redeliveries, and never a manifest
            assertThat(attempts).hasSize(4).noneMatch(StoreRoutesTest::manifest);
            assertThat(s3.keys("object-fails")).isEmpty();
            assertThat(s3.multipartUploadsInProgress("object-fails")).isZero();
        }
    }

    @Test
    void aFailingManifestUploadRemovesTheStoredObject() throws Exception {
        List<String> attempts = new CopyOnWriteArrayList<>();
        try (BackupApplication app = start(settings("manifest-fails"), attempts, (key, attempt) -> manifest(key))) {
            NotifyBuilder failed = new NotifyBuilder(app.context()).from("direct:backup").whenFailed(1).create();

            assertThatThrownBy(app::backup).hasMessageContaining("upload refused by the test");

            assertThat(failed.matches(30, TimeUnit.SECONDS)).isTrue();
            assertThat(attempts).anyMatch(key -> !manifest(key)).anyMatch(StoreRoutesTest::manifest);
            assertThat(s3.keys("manifest-fails")).as("no object without its manifest").isEmpty();
        }
    }

    @Test
    void anUploadFailingOnceIsRetriedFromTheStagedFile() throws Exception {
        List<String> attempts = new CopyOnWriteArrayList<>();
        try (BackupApplication app = start(settings("fails-once"), attempts,
                (key, attempt) -> !manifest(key) && attempt == 1)) {
            NotifyBuilder done = new NotifyBuilder(app.context()).from("direct:backup").whenCompleted(1).create();
            MockEndpoint uploads = uploads(app);
            uploads.expectedMessageCount(2);

            BackupResult result = app.backup();

            assertThat(done.matches(30, TimeUnit.SECONDS)).isTrue();
            uploads.assertIsSatisfied();
            String name = Path.of(result.location()).getFileName().toString();
            assertThat(uploads.getReceivedExchanges())
                    .extracting(e -> e.getMessage().getHeader(AWS2S3Constants.KEY, String.class))
                    .as("the object, then its manifest").containsExactly(name, name + Manifest.SUFFIX);
            assertThat(attempts).as("the object's upload redelivered once").containsExactly(name, name,
                    name + Manifest.SUFFIX);
            assertThat(s3.keys("fails-once")).containsExactlyInAnyOrder(name, name + Manifest.SUFFIX);
        }
    }
}
