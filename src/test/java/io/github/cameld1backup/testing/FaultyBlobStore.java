package io.github.cameld1backup.testing;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.util.List;
import java.util.Random;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.BiFunction;
import org.gaul.s3proxy.S3ErrorCode;
import org.gaul.s3proxy.S3ProxyException;
import org.gaul.s3proxy.blobstore.BlobStore;
import org.gaul.s3proxy.blobstore.ForwardingBlobStore;
import org.gaul.s3proxy.blobstore.S3Exceptions;
import org.gaul.s3proxy.blobstore.domain.MultipartUpload;
import software.amazon.awssdk.services.s3.model.CompleteMultipartUploadRequest;
import software.amazon.awssdk.services.s3.model.CompleteMultipartUploadResponse;
import software.amazon.awssdk.services.s3.model.CreateMultipartUploadRequest;
import software.amazon.awssdk.services.s3.model.HeadBucketRequest;
import software.amazon.awssdk.services.s3.model.HeadBucketResponse;
import software.amazon.awssdk.services.s3.model.PutObjectRequest;
import software.amazon.awssdk.services.s3.model.PutObjectResponse;
import software.amazon.awssdk.services.s3.model.UploadPartRequest;
import software.amazon.awssdk.services.s3.model.UploadPartResponse;

/**
 * S3Proxy's storage with fault injection on the calls a backup makes to write (HeadBucket, PutObject
 * and the multipart calls): a chosen call fails, which S3Proxy answers as an S3 error with that
 * status (500 InternalError, 503), or is slow. Everything else, and SigV4 checking, stays S3Proxy's.
 */
public final class FaultyBlobStore extends ForwardingBlobStore {

    /** A call answered with {@code status} (0: answered normally) after {@code delayMillis}. */
    public record Fault(int status, long delayMillis) {

        public static Fault error(int status) {
            return new Fault(status, 0);
        }

        public static Fault slow(long delayMillis) {
            return new Fault(0, delayMillis);
        }

        /** Each call fails with {@code probability}, with one of {@code kinds}; the same seed and call number, the same answer. */
        public static BiFunction<Long, String, Fault> randomly(long seed, double probability, List<Fault> kinds) {
            return (n, operation) -> {
                Random r = new Random(seed * 1_000_003L + n);
                return r.nextDouble() < probability ? kinds.get(r.nextInt(kinds.size())) : null;
            };
        }
    }

    private final AtomicLong calls = new AtomicLong();
    private volatile BiFunction<Long, String, Fault> schedule = (n, operation) -> null;

    public FaultyBlobStore(BlobStore delegate) {
        super(delegate);
    }

    /**
     * Write call number n (counted from 1 since the last call of this) gets {@code schedule(n, operation)},
     * null answering normally; operation is HeadBucket, CreateMultipartUpload, UploadPart,
     * CompleteMultipartUpload, or "PutObject KEY".
     */
    public void faults(BiFunction<Long, String, Fault> schedule) {
        calls.set(0);
        this.schedule = schedule;
    }

    public void stopFailing() {
        schedule = (n, operation) -> null;
    }

    public long calls() {
        return calls.get();
    }

    private void inject(String operation) {
        inject(operation, null);
    }

    /** A failing upload reads the body first, so the client gets the error answer rather than a broken pipe. */
    private void inject(String operation, InputStream content) {
        Fault fault = schedule.apply(calls.incrementAndGet(), operation);
        if (fault == null) {
            return;
        }
        if (fault.delayMillis() > 0) {
            try {
                Thread.sleep(fault.delayMillis());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        if (fault.status() > 0) {
            if (content != null) {
                try {
                    content.transferTo(OutputStream.nullOutputStream());
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            }
            throw fault.status() == 500 ? new S3ProxyException(S3ErrorCode.INTERNAL_ERROR)
                    : S3Exceptions.fromStatusCode(fault.status());
        }
    }

    @Override
    public HeadBucketResponse headBucket(HeadBucketRequest request) {
        inject("HeadBucket");
        return super.headBucket(request);
    }

    @Override
    public PutObjectResponse putBlob(PutObjectRequest request, InputStream content) {
        if (!request.key().startsWith(".s3proxy-")) { // S3Proxy's own multipart bookkeeping is not a client call
            inject("PutObject " + request.key(), content);
        }
        return super.putBlob(request, content);
    }

    @Override
    public MultipartUpload initiateMultipartUpload(CreateMultipartUploadRequest request) {
        inject("CreateMultipartUpload");
        return super.initiateMultipartUpload(request);
    }

    @Override
    public UploadPartResponse uploadMultipartPart(MultipartUpload upload, UploadPartRequest request, InputStream content) {
        inject("UploadPart", content);
        return super.uploadMultipartPart(upload, request, content);
    }

    @Override
    public CompleteMultipartUploadResponse completeMultipartUpload(MultipartUpload upload,
                                                                   CompleteMultipartUploadRequest request) {
        inject("CompleteMultipartUpload");
        return super.completeMultipartUpload(upload, request);
    }
}
