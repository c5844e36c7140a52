package io.github.cameld1backup.bench;

import io.github.cameld1backup.testing.S3ProxyServer;

/** S3Proxy in a process of its own for benchmarks: prints its endpoint, serves until killed. */
public final class S3ProxyMain {

    public static void main(String[] args) throws Exception {
        S3ProxyServer server = new S3ProxyServer();
        for (String bucket : args) {
            server.createBucket(bucket);
        }
        System.out.println(server.endpoint());
        System.out.flush();
        Thread.currentThread().join();
    }
}
