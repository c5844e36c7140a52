package io.github.cameld1backup.api;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.github.cameld1backup.BackupCli;
import io.github.cameld1backup.testing.Backups;
import io.github.cameld1backup.testing.Fixtures;
import io.github.cameld1backup.testing.Service;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The HTTP server's edges, over raw sockets on 127.0.0.1: slow clients, a taken port, the allowed host names, and
 * the answers Vert.x gives before any route runs.
 */
class HttpEdgesTest {

    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path tmp;

    private Map<String, String> settings() throws Exception {
        Map<String, String> s = Backups.sqlite(Fixtures.create("schema_zoo", tmp));
        s.put("backup.target", "file:" + tmp.resolve("backups"));
        s.put("backup.work.dir", tmp.resolve("work").toString());
        return s;
    }

    /** An answer read off the wire: status line, headers in lower case, body. */
    record Raw(int status, String head, String body) {
        JsonNode json() throws IOException {
            return JSON.readTree(body);
        }

        boolean hasHeader(String header) {
            return head.contains("\r\n" + header.toLowerCase(Locale.ROOT) + "\r\n")
                    || head.contains("\r\n" + header.toLowerCase(Locale.ROOT));
        }
    }

    /** Sends {@code request} as it is and reads the answer until the server closes the connection. */
    private static Raw send(Service service, byte[] request) throws IOException {
        try (Socket s = new Socket(InetAddress.getLoopbackAddress(), port(service))) {
            s.setSoTimeout(10_000);
            s.getOutputStream().write(request);
            s.getOutputStream().flush();
            String raw = new String(s.getInputStream().readAllBytes(), StandardCharsets.ISO_8859_1);
            int end = raw.indexOf("\r\n\r\n");
            String head = raw.substring(0, end).toLowerCase(Locale.ROOT);
            String body = raw.substring(end + 4);
            if (head.contains("transfer-encoding: chunked")) {
                body = body.substring(body.indexOf("\r\n") + 2, body.lastIndexOf("\r\n0\r\n"));
            }
            return new Raw(Integer.parseInt(raw.substring(9, 12)), head, body);
        }
    }

    private static Raw send(Service service, String request) throws IOException {
        return send(service, request.getBytes(StandardCharsets.ISO_8859_1));
    }

    private static int port(Service service) {
        return Integer.parseInt(service.baseUrl().substring(service.baseUrl().lastIndexOf(':') + 1));
    }

    /** JSON with the documented headers, whoever answered. */
    private static void assertJsonError(Raw answer, int status, String what) throws IOException {
        assertThat(answer.status()).as(what).isEqualTo(status);
        assertThat(answer.head()).as(what).contains("content-type: application/json")
                .contains("cache-control: no-store").contains("x-content-type-options: nosniff");
        assertThat(answer.json().path("status").asInt()).as(what).isEqualTo(status);
        assertThat(answer.json().path("error").asText()).as(what).isNotBlank();
    }

    /**
     * Trickles {@code trickle} a byte every 200 ms after {@code first}; answers how long the server kept the
     * connection open (up to {@code limitMillis}, then it gives up).
     */
    private static long heldOpenMillis(Service service, String first, long limitMillis) throws IOException {
        long start = System.nanoTime();
        try (Socket s = new Socket(InetAddress.getLoopbackAddress(), port(service))) {
            s.setSoTimeout(200);
            OutputStream out = s.getOutputStream();
            InputStream in = s.getInputStream();
            out.write(first.getBytes(StandardCharsets.ISO_8859_1));
            while ((System.nanoTime() - start) / 1_000_000 < limitMillis) {
                try {
                    if (in.read() < 0) {
                        break;
                    }
                } catch (SocketTimeoutException e) {
                    // nothing from the server yet: one more byte
                } catch (SocketException e) {
                    break;
                }
                try {
                    out.write('x');
                    out.flush();
                } catch (SocketException e) {
                    break;
                }
            }
        }
        return (System.nanoTime() - start) / 1_000_000;
    }

    @Test
    void slowClientsAreCutOffAndQuickOnesAreNot() throws Exception {
        Map<String, String> s = settings();
        s.put("backup.api.header.timeout", "PT1S");
        s.put("backup.api.request.timeout", "PT2S");
        try (Service service = new Service(s)) {
            // Slowloris: headers that never end, a byte at a time.
            long headers = heldOpenMillis(service, "GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: ", 15_000);
            assertThat(headers).as("held open by trickled headers (ms)").isBetween(900L, 4_000L);
            // A body that never ends, a byte at a time (or refused at once).
            long body = heldOpenMillis(service, "POST /api/session HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 100000"
                    + "\r\n\r\n", 15_000);
            assertThat(body).as("held open by a trickled body (ms)").isLessThan(5_000L);
            // An idle kept-alive connection is closed too; requests sent in time are answered on it.
            try (Socket socket = new Socket(InetAddress.getLoopbackAddress(), port(service))) {
                socket.setSoTimeout(10_000);
                OutputStream out = socket.getOutputStream();
                InputStream in = socket.getInputStream();
                for (int i = 0; i < 3; i++) {
                    out.write("GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n".getBytes(StandardCharsets.ISO_8859_1));
                    out.flush();
                    assertThat(readAnswerHead(in)).startsWith("HTTP/1.1 200");
                    Thread.sleep(500);
                }
                long idle = System.nanoTime();
                assertThat(in.read()).as("closed once idle past the header timeout").isEqualTo(-1);
                assertThat((System.nanoTime() - idle) / 1_000_000).isLessThan(4_000L);
            }
            assertThat(service.call("GET", "/health", Map.of()).status()).isEqualTo(200);
        }
    }

    /** Reads one answer of a kept-alive connection (a chunked JSON body) and answers its head. */
    private static String readAnswerHead(InputStream in) throws IOException {
        StringBuilder head = new StringBuilder();
        while (!head.toString().endsWith("\r\n\r\n")) {
            head.append((char) in.read());
        }
        String h = head.toString().toLowerCase(Locale.ROOT);
        if (h.contains("content-length:")) {
            int from = h.indexOf("content-length:") + 15;
            in.readNBytes(Integer.parseInt(h.substring(from, h.indexOf("\r\n", from)).trim()));
        } else {
            while (true) { // chunks until the last, empty one
                StringBuilder size = new StringBuilder();
                while (!size.toString().endsWith("\r\n")) {
                    size.append((char) in.read());
                }
                int n = Integer.parseInt(size.toString().trim(), 16);
                in.readNBytes(n + 2);
                if (n == 0) {
                    break;
                }
            }
        }
        return head.toString();
    }

    @Test
    void aTakenPortStopsTheServiceWithAMessageAndAFailingExitCode() throws Exception {
        try (ServerSocket taken = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            ProcessBuilder pb = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                    "-cp", System.getProperty("java.class.path"), BackupCli.class.getName(), "run",
                    "--source", "sqlite:" + Fixtures.create("schema_zoo", tmp), "--target", "file:" + tmp.resolve("out"))
                    .directory(tmp.toFile()).redirectErrorStream(true).redirectOutput(tmp.resolve("service.log").toFile());
            pb.environment().put("TOTP_SECRET", Service.SECRET);
            pb.environment().put("CAMEL_SERVER_PORT", String.valueOf(taken.getLocalPort()));
            pb.environment().put("CAMEL_SERVER_HOST", "127.0.0.1");
            Process service = pb.start();
            try {
                assertThat(service.waitFor(60, TimeUnit.SECONDS)).as("the service stops by itself").isTrue();
                String log = Files.readString(tmp.resolve("service.log"));
                assertThat(service.exitValue()).as(log).isNotZero();
                assertThat(log).contains("cannot listen on 127.0.0.1:" + taken.getLocalPort());
            } finally {
                service.destroyForcibly();
            }
        }
    }

    @Test
    void onlyTheAllowedHostNamesAreAnswered() throws Exception {
        Map<String, String> s = settings();
        s.put("backup.api.hosts", "backup.example.org, 127.0.0.1");
        try (Service service = new Service(s)) {
            for (String path : new String[] {"/metrics", "/health", "/", "/api/backup/runs/x", "/nothing"}) {
                Raw rebound = send(service, "GET " + path + " HTTP/1.1\r\nHost: attacker.example:8080\r\nConnection: close\r\n\r\n");
                assertJsonError(rebound, 421, "foreign Host on " + path);
            }
            assertJsonError(send(service, "GET /metrics HTTP/1.0\r\n\r\n"), 421, "no Host at all");
            Raw named = send(service, "GET /metrics HTTP/1.1\r\nHost: Backup.Example.org:8080\r\nConnection: close\r\n\r\n");
            assertThat(named.status()).isEqualTo(200);
            assertThat(named.body()).contains("jvm_memory_used_bytes");
            assertThat(service.call("GET", "/health", Map.of()).status()).as("Host: 127.0.0.1:PORT").isEqualTo(200);
        }
    }

    @Test
    void everyAnswerVertxGivesItselfIsJsonWithTheDocumentedHeaders() throws Exception {
        Map<String, String> s = settings();
        s.put("camel.server.maxBodySize", "1000");
        try (Service service = new Service(s)) {
            assertJsonError(send(service, "GARBAGE\r\n\r\n"), 400, "malformed request line");
            assertJsonError(send(service, "GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: x\r\n\r\n"), 400,
                    "malformed header");
            assertJsonError(send(service, "GET /" + "a".repeat(10_000) + " HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n"), 414,
                    "huge URI");
            assertJsonError(send(service, "GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Big: " + "a".repeat(20_000)
                    + "\r\n\r\n"), 431, "huge headers");
            assertJsonError(send(service, "GET /nothing/here HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n"),
                    404, "unknown path");
            assertJsonError(send(service, "DELETE /health HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n"),
                    405, "wrong method");
            assertJsonError(send(service, "PUT /api/backup HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 0\r\n"
                    + "Connection: close\r\n\r\n"), 405, "wrong method on the API");
            assertJsonError(send(service, "POST /api/session HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 5000\r\n"
                    + "Connection: close\r\n\r\n" + "x".repeat(5000)), 413, "body over camel.server.maxBodySize");
            // The server still answers after all that.
            assertThat(service.call("GET", "/health", Map.of()).status()).isEqualTo(200);
        }
    }
}
