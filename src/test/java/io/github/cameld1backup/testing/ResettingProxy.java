package io.github.cameld1backup.testing;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongFunction;

/**
 * A TCP proxy on 127.0.0.1 in front of a real server (S3Proxy, the D1 emulator) that resets chosen
 * connections in the middle of an answer: the server's first N bytes go through, then the client
 * gets a TCP RST ("Connection reset"). Bytes are passed through untouched, so signatures still check.
 */
public final class ResettingProxy implements AutoCloseable {

    private final ServerSocket server;
    private final int upstreamPort;
    private final ExecutorService threads = Executors.newCachedThreadPool(r -> {
        Thread t = new Thread(r, "resetting-proxy");
        t.setDaemon(true);
        return t;
    });
    private final AtomicLong connections = new AtomicLong();
    private final AtomicLong resets = new AtomicLong();
    private volatile LongFunction<Long> schedule = n -> null;

    public ResettingProxy(int upstreamPort) throws IOException {
        this.upstreamPort = upstreamPort;
        server = new ServerSocket();
        server.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
        threads.execute(this::accept);
    }

    public int port() {
        return server.getLocalPort();
    }

    /** Connection n (counted from 1 since the last call of this) is reset after {@code schedule(n)} bytes of answer; null: never. */
    public void resets(LongFunction<Long> schedule) {
        connections.set(0);
        this.schedule = schedule;
    }

    /** Each connection is reset with {@code probability}, after up to {@code maxBytes} bytes; seeded. */
    public static LongFunction<Long> randomly(long seed, double probability, long maxBytes) {
        return n -> {
            Random r = new Random(seed * 1_000_003L + n);
            return r.nextDouble() < probability ? 1 + (long) (r.nextDouble() * maxBytes) : null;
        };
    }

    public void stopResetting() {
        schedule = n -> null;
    }

    public long resets() {
        return resets.get();
    }

    private void accept() {
        while (!server.isClosed()) {
            try {
                Socket client = server.accept();
                Long cutAfter = schedule.apply(connections.incrementAndGet());
                Socket upstream = new Socket(InetAddress.getLoopbackAddress(), upstreamPort);
                client.setTcpNoDelay(true);
                upstream.setTcpNoDelay(true);
                AtomicInteger open = new AtomicInteger(2);
                threads.execute(() -> pump(client, upstream, null, open));
                threads.execute(() -> pump(upstream, client, cutAfter, open));
            } catch (IOException e) {
                // closed, or the upstream refused: the client sees its connection end
            }
        }
    }

    /** Copies from → to; with a limit, resets {@code to} once that many bytes have passed. */
    private void pump(Socket from, Socket to, Long cutAfter, AtomicInteger open) {
        byte[] buffer = new byte[8192];
        long passed = 0;
        try {
            InputStream in = from.getInputStream();
            OutputStream out = to.getOutputStream();
            for (int n; (n = in.read(buffer)) >= 0; ) {
                if (cutAfter != null && passed + n >= cutAfter) {
                    out.write(buffer, 0, (int) (cutAfter - passed));
                    out.flush();
                    resets.incrementAndGet();
                    to.setSoLinger(true, 0); // close with RST, not FIN
                    closeQuietly(to);
                    closeQuietly(from);
                    return;
                }
                out.write(buffer, 0, n);
                out.flush();
                passed += n;
            }
            to.shutdownOutput(); // pass the half-close on; the other direction may still be answering
            if (open.decrementAndGet() == 0) {
                closeQuietly(to);
                closeQuietly(from);
            }
        } catch (IOException e) {
            closeQuietly(to);
            closeQuietly(from);
        }
    }

    private static void closeQuietly(Socket s) {
        try {
            s.close();
        } catch (IOException ignored) {
            // already gone
        }
    }

    @Override
    public void close() throws IOException {
        server.close();
        threads.shutdownNow();
    }
}
