package io.github.cameld1backup.testing;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * HTTP/1.1 written by hand on a socket, for what a well-behaved client will not send: bodies on GET,
 * lengths declared and never sent, floods from many loopback addresses (127.0.0.2, ...).
 */
public final class RawHttp {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final ScheduledExecutorService WATCHDOG = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "raw-http-watchdog");
        t.setDaemon(true);
        return t;
    });

    /** The server's answer: its status (-1: the connection ended without one) and body. */
    public record Reply(int status, String body) {
        public JsonNode json() {
            try {
                return JSON.readTree(body);
            } catch (IOException e) {
                return JSON.missingNode();
            }
        }
    }

    private RawHttp() {
    }

    /** The request line and headers, {@code Host} and {@code Connection: close} added. */
    public static String head(String method, String target, Map<String, String> headers) {
        StringBuilder head = new StringBuilder(method + " " + target + " HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n");
        headers.forEach((k, v) -> head.append(k).append(": ").append(v).append("\r\n"));
        return head.append("\r\n").toString();
    }

    /** Sends {@code head} then {@code body}, and reads the answer. */
    public static Reply send(String source, int port, String head, byte[] body) throws IOException {
        try (Socket s = connect(source, port)) {
            OutputStream out = s.getOutputStream();
            out.write(head.getBytes(StandardCharsets.ISO_8859_1));
            out.write(body);
            out.flush();
            return read(s.getInputStream());
        }
    }

    /**
     * Sends {@code head}, then up to {@code bytes} bytes of body in 64 KiB writes, stopping when the
     * server stops taking them (it answered and closed), then reads whatever answer there is.
     */
    public static Reply flood(String source, int port, String head, long bytes) throws IOException {
        try (Socket s = connect(source, port)) {
            // A server that neither reads nor answers (out of memory) would block the writes for ever.
            var watchdog = WATCHDOG.schedule(() -> {
                try {
                    s.close();
                } catch (IOException ignored) {
                    // closing anyway
                }
            }, 20, TimeUnit.SECONDS);
            OutputStream out = s.getOutputStream();
            out.write(head.getBytes(StandardCharsets.ISO_8859_1));
            byte[] chunk = new byte[64 * 1024];
            try {
                for (long sent = 0; sent < bytes; sent += chunk.length) {
                    out.write(chunk, 0, (int) Math.min(chunk.length, bytes - sent));
                }
                out.flush();
            } catch (IOException closed) {
                // the server answered without reading the body and closed the connection
            }
            try {
                return read(s.getInputStream());
            } catch (IOException reset) {
                return new Reply(-1, "");
            } finally {
                watchdog.cancel(false);
            }
        }
    }

    private static Socket connect(String source, int port) throws IOException {
        Socket s = new Socket();
        s.setSoTimeout(30_000);
        s.bind(new InetSocketAddress(InetAddress.getByName(source), 0));
        s.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 5000);
        return s;
    }

    private static Reply read(InputStream in) throws IOException {
        String raw = new String(in.readAllBytes(), StandardCharsets.ISO_8859_1);
        if (!raw.startsWith("HTTP/1.1 ") || raw.length() < 12) {
            return new Reply(-1, raw);
        }
        int status = Integer.parseInt(raw.substring(9, 12));
        int start = raw.indexOf("\r\n\r\n");
        String body = start < 0 ? "" : raw.substring(start + 4);
        if (raw.substring(0, Math.max(start, 0)).toLowerCase().contains("transfer-encoding: chunked")) {
            body = dechunk(body);
        }
        return new Reply(status, body);
    }

    private static String dechunk(String chunked) {
        StringBuilder out = new StringBuilder();
        int i = 0;
        while (i < chunked.length()) {
            int eol = chunked.indexOf("\r\n", i);
            if (eol < 0) {
                break;
            }
            int size = Integer.parseInt(chunked.substring(i, eol).trim(), 16);
            if (size == 0) {
                break;
            }
            out.append(chunked, eol + 2, Math.min(chunked.length(), eol + 2 + size));
            i = eol + 2 + size + 2;
        }
        return out.toString();
    }
}
