package io.github.cameld1backup.testing;

import static org.awaitility.Awaitility.await;

import io.github.cameld1backup.config.BackupSettings;
import io.github.cameld1backup.store.R2ClientFactory;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.function.UnaryOperator;
import org.gaul.s3proxy.S3Proxy;
import org.gaul.s3proxy.auth.AuthenticationType;
import org.gaul.s3proxy.blobstore.BlobStore;
import org.gaul.s3proxy.nio2blob.TransientNio2BlobStore;
import software.amazon.awssdk.core.sync.ResponseTransformer;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.CreateBucketRequest;
import software.amazon.awssdk.services.s3.model.GetObjectRequest;
import software.amazon.awssdk.services.s3.model.HeadObjectResponse;
import software.amazon.awssdk.services.s3.model.ListMultipartUploadsRequest;
import software.amazon.awssdk.services.s3.model.ListObjectsV2Request;
import software.amazon.awssdk.services.s3.model.S3Object;

/** S3Proxy on 127.0.0.1 with SigV4 signature checking: the S3/R2 server of the tests. */
public final class S3ProxyServer implements AutoCloseable {

    public static final String ACCESS_KEY = "test-access-key";
    public static final String SECRET_KEY = "test-secret-key-0123456789";

    private final S3Proxy proxy;
    private final S3Client client;

    public S3ProxyServer() throws Exception {
        this(store -> store);
    }

    /** S3Proxy over its in-memory store wrapped by {@code middleware} (e.g. {@link FaultyBlobStore}). */
    public S3ProxyServer(UnaryOperator<BlobStore> middleware) throws Exception {
        proxy = S3Proxy.builder()
                .blobStore(middleware.apply(new TransientNio2BlobStore()))
                .awsAuthentication(AuthenticationType.AWS_V4, ACCESS_KEY, SECRET_KEY)
                .endpoint(URI.create("http://127.0.0.1:0"))
                .build();
        proxy.start();
        await("S3Proxy starts").atMost(Duration.ofMinutes(1)).pollInterval(Duration.ofMillis(10))
                .until(() -> proxy.getState().equals("STARTED"));
        client = R2ClientFactory.create(new BackupSettings.R2Settings(ACCESS_KEY, SECRET_KEY, endpoint(), "auto"));
    }

    public String endpoint() {
        return "http://127.0.0.1:" + proxy.getPort();
    }

    public int port() {
        return proxy.getPort();
    }

    public S3Client client() {
        return client;
    }

    public void createBucket(String bucket) {
        client.createBucket(CreateBucketRequest.builder().bucket(bucket).build());
    }

    /** Settings that make R2 targets point at this server. */
    public Map<String, String> settings(Map<String, String> settings) {
        settings.put("r2.access.key.id", ACCESS_KEY);
        settings.put("r2.secret.access.key", SECRET_KEY);
        settings.put("r2.endpoint", endpoint());
        return settings;
    }

    public List<String> keys(String bucket) {
        return client.listObjectsV2Paginator(ListObjectsV2Request.builder().bucket(bucket).build())
                .contents().stream().map(S3Object::key).toList();
    }

    public byte[] get(String bucket, String key) throws IOException {
        try (InputStream in = client.getObject(GetObjectRequest.builder().bucket(bucket).key(key).build())) {
            return in.readAllBytes();
        }
    }

    public HeadObjectResponse head(String bucket, String key) {
        return client.headObject(b -> b.bucket(bucket).key(key));
    }

    public int multipartUploadsInProgress(String bucket) {
        return client.listMultipartUploads(ListMultipartUploadsRequest.builder().bucket(bucket).build()).uploads().size();
    }

    public void download(String bucket, String key, java.nio.file.Path to) {
        client.getObject(GetObjectRequest.builder().bucket(bucket).key(key).build(), ResponseTransformer.toFile(to));
    }

    @Override
    public void close() throws Exception {
        client.close();
        proxy.stop();
    }
}
