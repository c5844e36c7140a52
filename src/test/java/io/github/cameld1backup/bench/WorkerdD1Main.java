package io.github.cameld1backup.bench;

import io.github.cameld1backup.testing.WorkerdD1;
import java.nio.file.Path;

/**
 * workerd's D1 (testing.WorkerdD1) in a process of its own for benchmarks: serves each SQLite file given as a
 * database; prints the base URL, then one database id per file; on stdin EOF prints its request
 * count and rows read, and exits. {@code -Dd1.connections=N -Dd1.latency.ms=M}: take N requests at
 * once, each answered after at least M ms (a round trip to Cloudflare).
 */
public final class WorkerdD1Main {

    public static void main(String[] args) throws Exception {
        try (WorkerdD1 d1 = new WorkerdD1(Integer.getInteger("d1.connections", 1),
                java.time.Duration.ofMillis(Long.getLong("d1.latency.ms", 0)))) {
            System.out.println(d1.baseUrl());
            for (String file : args) {
                System.out.println(d1.addDatabase(Path.of(file).getFileName().toString(), Path.of(file)));
            }
            System.out.flush();
            System.in.readAllBytes();
            System.out.println("requests " + d1.requests() + " rows_read " + d1.rowsRead());
        }
    }
}
