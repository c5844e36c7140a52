package io.github.cameld1backup.store;

import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Supplier;
import org.apache.camel.Exchange;
import org.apache.camel.ProducerTemplate;
import software.amazon.awssdk.core.ResponseInputStream;
import software.amazon.awssdk.services.s3.model.GetObjectResponse;
import software.amazon.awssdk.services.s3.model.HeadObjectResponse;
import software.amazon.awssdk.services.s3.model.ListObjectsRequest;
import software.amazon.awssdk.services.s3.model.S3Object;

/**
 * Listing, reading and deleting objects in R2 through the aws2-s3 operations of the routes in
 * routes/catalog.camel.yaml ({@code direct:r2-list}, {@code direct:r2-get}, {@code direct:r2-head},
 * {@code direct:r2-delete}, {@code direct:r2-put}),
 * with the project's client ({@code #r2Client}). A failure comes back as the operation's own exception
 * (an {@code S3Exception} such as {@code NoSuchKeyException} stays one).
 */
public class R2Objects {

    public static final String LIST = "direct:r2-list";
    public static final String GET = "direct:r2-get";
    public static final String DELETE = "direct:r2-delete";
    public static final String HEAD = "direct:r2-head";
    public static final String PUT = "direct:r2-put";
    /** Exchange property: the bucket the route's aws2-s3 endpoint addresses. */
    public static final String BUCKET = "r2Bucket";
    static final String KEY = "CamelAwsS3Key";

    private final Supplier<ProducerTemplate> templates;

    public R2Objects(Supplier<ProducerTemplate> templates) {
        this.templates = templates;
    }

    /**
     * Every key under a prefix, in key order. aws2-s3's listObjects answers one page (at most 1000
     * keys) and gives back only its objects, not whether more follow, so the pages are walked here:
     * each next request starts after the last key seen (the request's marker), until a page is empty.
     */
    public List<String> keys(String bucket, String prefix) throws IOException {
        List<String> keys = new ArrayList<>();
        String after = null;
        while (true) {
            ListObjectsRequest request = ListObjectsRequest.builder().bucket(bucket).prefix(prefix).marker(after).build();
            List<?> page = send(LIST, bucket, null, request).getMessage().getBody(List.class);
            if (page == null || page.isEmpty()) {
                return keys;
            }
            for (Object o : page) {
                keys.add(((S3Object) o).key());
            }
            after = keys.get(keys.size() - 1);
        }
    }

    /**
     * An object as aws2-s3's getObject gives it back: the response stream, read as it is consumed
     * (memory stays bounded), with the object's size in {@code response().contentLength()}. The
     * caller closes it.
     */
    public ResponseInputStream<GetObjectResponse> open(String bucket, String key) throws IOException {
        Object body = send(GET, bucket, key, null).getMessage().getBody();
        if (body instanceof ResponseInputStream<?> in && in.response() instanceof GetObjectResponse) {
            @SuppressWarnings("unchecked")
            ResponseInputStream<GetObjectResponse> stream = (ResponseInputStream<GetObjectResponse>) in;
            return stream;
        }
        throw new IOException("getObject of " + key + " in " + bucket + " gave back "
                + (body == null ? "nothing" : body.getClass().getName()) + ", not the object's stream");
    }

    /** A small object's bytes (a manifest): held in memory, so never a backup itself. */
    public byte[] read(String bucket, String key) throws IOException {
        Exchange answer = send(GET, bucket, key, null);
        try (InputStream in = answer.getMessage().getMandatoryBody(InputStream.class)) {
            return in.readAllBytes();
        } catch (org.apache.camel.InvalidPayloadException e) {
            throw new IOException("No content for " + key + " in " + bucket, e);
        }
    }

    /** An object's size, time and metadata (aws2-s3's headObject); an absent one fails with a 404 {@code S3Exception}. */
    public HeadObjectResponse head(String bucket, String key) throws IOException {
        return send(HEAD, bucket, key, null).getMessage().getBody(HeadObjectResponse.class);
    }

    /** Stores a small object (an audit record) with aws2-s3's putObject, its length known. */
    public void put(String bucket, String key, String contentType, byte[] content) throws IOException {
        Exchange answer = templates.get().send(PUT, e -> {
            e.setProperty(BUCKET, bucket);
            e.getMessage().setHeader(KEY, key);
            e.getMessage().setHeader("CamelAwsS3ContentType", contentType);
            e.getMessage().setHeader("CamelAwsS3ContentLength", (long) content.length);
            e.getMessage().setBody(content);
        });
        failure(answer, PUT, bucket);
    }

    public void delete(String bucket, String key) throws IOException {
        send(DELETE, bucket, key, null);
    }

    private Exchange send(String route, String bucket, String key, Object body) throws IOException {
        Exchange answer = templates.get().send(route, e -> {
            e.setProperty(BUCKET, bucket);
            if (key != null) {
                e.getMessage().setHeader(KEY, key);
            }
            e.getMessage().setBody(body);
        });
        failure(answer, route, bucket);
        return answer;
    }

    private static void failure(Exchange answer, String route, String bucket) throws IOException {
        Exception failure = answer.getException();
        if (failure instanceof RuntimeException r) {
            throw r;
        }
        if (failure instanceof IOException io) {
            throw io;
        }
        if (failure != null) {
            throw new IOException(route + " on " + bucket + " failed: " + failure.getMessage(), failure);
        }
    }
}
