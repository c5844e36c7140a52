package io.github.cameld1backup;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.github.cameld1backup.testing.ChildService;
import io.github.cameld1backup.testing.Service;
import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import java.util.zip.GZIPInputStream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;
import org.junit.jupiter.api.io.TempDir;

/**
 * The container image as `docker load` would take it: target/camel-d1-backup-image.tar, built by `mvn package`
 * (profile "image"), read through its manifest.json to its config and layers. Without a container runtime here,
 * the image's own Java runtime is run from its unpacked layers through the image's own dynamic loader and
 * libraries, so a module or library the image lacks fails the test. Runs where the image is built (profile "image"
 * sets image.tar).
 */
@EnabledIfSystemProperty(named = "image.tar", matches = ".+")
class ImageIT {

    private static final Path OPTIONS = Path.of("src/main/launcher/jvm.options");

    @TempDir
    static Path tmp;

    static JsonNode config;
    static Path root;
    /** Modes of the files and folders of the image, by absolute path, as its layers set them. */
    static final Map<String, Integer> modes = new HashMap<>();

    @BeforeAll
    static void unpack() throws IOException {
        Path tar = Path.of(System.getProperty("image.tar", "target/camel-d1-backup-image.tar"));
        assertThat(tar).as("the image tar, built by mvn package on Linux").exists();
        Path outer = tmp.resolve("tar");
        untar(Files.newInputStream(tar), outer, null);
        ObjectMapper json = new ObjectMapper();
        JsonNode manifest = json.readTree(outer.resolve("manifest.json").toFile()).get(0);
        config = json.readTree(outer.resolve(manifest.get("Config").asText()).toFile());
        root = tmp.resolve("root");
        for (JsonNode layer : manifest.get("Layers")) {
            untar(new GZIPInputStream(Files.newInputStream(outer.resolve(layer.asText()))), root, modes);
        }
    }

    @Test
    void runsTheServiceAsAnUnprivilegedUserWithTheLaunchersMemorySettings() throws IOException {
        JsonNode container = config.get("config");

        String user = container.get("User").asText();
        assertThat(user).isEqualTo("65532:65532");
        assertThat(Files.readAllLines(root.resolve("etc/passwd")))
                .contains("nonroot:x:65532:65532:nonroot:/home/nonroot:/sbin/nologin");
        assertThat(strings(container.get("Entrypoint")))
                .containsExactly("/opt/java/bin/java", "@/app/jvm.options", "-Dorg.sqlite.lib.path=/app/lib", "-jar",
                        "/app/camel-d1-backup.jar");
        assertThat(strings(container.get("Cmd"))).containsExactly("run");
        assertThat(strings(container.get("Env"))).contains("MALLOC_ARENA_MAX=2", "MALLOC_TRIM_THRESHOLD_=33554432",
                "CAMEL_SERVER_HOST=0.0.0.0");
        assertThat(container.get("ExposedPorts").has("8080/tcp")).isTrue();
        // The very file the launcher reads: one source for the JVM's flags.
        assertThat(root.resolve("app/jvm.options")).hasSameBinaryContentAs(OPTIONS);
        assertThat(Files.readAllLines(OPTIONS)).contains("-Xmx160m", "-XX:+UseSerialGC");
        assertThat(modes.get("/opt/java/bin/java") & 0111).as("java is executable").isEqualTo(0111);
        // Any user writes the spool (/tmp) and the working folder's default target (/data/backups).
        assertThat(modes.get("/tmp") & 0777).isEqualTo(0777);
        assertThat(modes.get("/data") & 0777).isEqualTo(0777);
        assertThat(container.get("WorkingDir").asText()).isEqualTo("/data");
    }

    @Test
    void itsOwnRuntimeAndLibrariesRunABackup() throws Exception {
        List<Path> objects;
        try (Stream<Path> files = Stream.concat(Files.walk(root.resolve("opt/java")), Files.walk(root.resolve("app/lib")))) {
            objects = files.filter(p -> p.toString().endsWith(".so") || p.getParent().endsWith("bin")).toList();
        }
        assertThat(objects).anyMatch(p -> p.getFileName().toString().equals("libsqlitejdbc.so"));
        // The JVM's own libraries find one another (libjvm.so) through the launcher; listing them needs both folders.
        String runtimeDirs = under("/opt/java/lib") + ":" + under("/opt/java/lib/server");
        for (Path object : objects) {
            List<String> list = new ArrayList<>(command(loader().toString(), object.toString()));
            list.set(2, list.get(2) + ":" + runtimeDirs);
            list.add(3, "--list");
            Process listing = new ProcessBuilder(list).redirectErrorStream(true).start();
            String resolved = new String(listing.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            assertThat(listing.waitFor()).as(resolved).isZero();
            for (String line : resolved.lines().filter(l -> l.contains("=>")).toList()) {
                assertThat(line.split("=>")[1].trim())
                        .as("%s needs %s, which the image does not have", root.relativize(object), line.strip())
                        .startsWith(root.toString());
            }
        }

        Path cwd = Files.createDirectories(tmp.resolve("backup-cwd"));
        // sqlite-jdbc may not fall back to unpacking its library: it must load the image's /app/lib copy.
        Map<String, String> env = Map.of("JAVA_TOOL_OPTIONS", "-Dorg.sqlite.tmpdir=" + tmp.resolve("no-such-folder"));
        Process backup = java(cwd, env, "backup", "--no-progress").start();
        assertThat(backup.waitFor(2, TimeUnit.MINUTES)).isTrue();
        String out = Files.readString(cwd.resolve("out.log"));
        assertThat(backup.exitValue()).as(out).isZero();
        assertThat(out).contains("Backed up sample: 7 tables");
        try (Stream<Path> stored = Files.list(cwd.resolve("backups"))) {
            assertThat(stored.map(p -> p.getFileName().toString())).anyMatch(n -> n.endsWith(".sql.gz"));
        }
    }

    /** The image's default command: the service, its health answer, and SIGTERM. */
    @Test
    void itsDefaultCommandServesHealth() throws Exception {
        int port = ChildService.freePort();
        Path cwd = Files.createDirectories(tmp.resolve("run-cwd"));
        Map<String, String> env = Map.of("TOTP_SECRET", Service.SECRET, "CAMEL_SERVER_PORT", String.valueOf(port),
                "CAMEL_SERVER_HOST", "127.0.0.1");
        Process service = java(cwd, env, strings(config.get("config").get("Cmd")).toArray(String[]::new)).start();
        try {
            ChildService.awaitHealth(service, port, cwd.resolve("out.log"), Duration.ofMinutes(2));
            HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
            HttpRequest health = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/health")).build();
            assertThat(http.send(health, HttpResponse.BodyHandlers.ofString()).body()).contains("\"status\":\"UP\"");
        } finally {
            service.destroy();
            assertThat(service.waitFor(1, TimeUnit.MINUTES)).as("ends on SIGTERM").isTrue();
        }
    }

    /** The image's entry point, with the image's paths under the unpacked root, run through the image's loader. */
    private static ProcessBuilder java(Path cwd, Map<String, String> env, String... args) throws IOException {
        List<String> entrypoint = strings(config.get("config").get("Entrypoint"));
        List<String> command = new ArrayList<>(command(loader().toString(), under(entrypoint.get(0))));
        for (String arg : entrypoint.subList(1, entrypoint.size())) {
            command.add(arg.startsWith("@") ? "@" + under(arg.substring(1))
                    : arg.startsWith("/") ? under(arg)
                    : arg.matches("-D[^=]+=/.*") ? arg.substring(0, arg.indexOf('=') + 1) + under(arg.substring(arg.indexOf('=') + 1))
                    : arg);
        }
        command.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(command).directory(cwd.toFile()).redirectErrorStream(true)
                .redirectOutput(cwd.resolve("out.log").toFile());
        pb.environment().clear();
        for (String pair : strings(config.get("config").get("Env"))) {
            pb.environment().put(pair.substring(0, pair.indexOf('=')), pair.substring(pair.indexOf('=') + 1));
        }
        pb.environment().put("PATH", under("/opt/java/bin"));
        pb.environment().putAll(env);
        return pb;
    }

    /** The dynamic loader with the image's library folders only first in line. */
    private static List<String> command(String loader, String program) throws IOException {
        List<String> dirs;
        try (Stream<Path> files = Files.walk(root)) {
            dirs = files.filter(p -> p.getFileName().toString().matches("lib.*\\.so(\\.[0-9]+)*"))
                    .filter(p -> !p.startsWith(root.resolve("opt")))
                    .map(p -> p.getParent().toString()).distinct().toList();
        }
        return List.of(loader, "--library-path", String.join(":", dirs), program);
    }

    private static Path loader() throws IOException {
        try (Stream<Path> files = Files.walk(root, 2)) {
            return files.filter(p -> p.getFileName().toString().startsWith("ld-linux")).findFirst().orElseThrow();
        }
    }

    private static String under(String imagePath) {
        return root.resolve(imagePath.substring(1)).toString();
    }

    private static List<String> strings(JsonNode array) {
        List<String> values = new ArrayList<>();
        array.forEach(v -> values.add(v.asText()));
        return values;
    }

    /** Unpacks a tar stream (ustar, with PAX or GNU long names) into a folder, keeping the modes of files. */
    private static void untar(InputStream raw, Path into, Map<String, Integer> modesOut) throws IOException {
        try (InputStream in = new BufferedInputStream(raw)) {
            String longName = null;
            byte[] header = new byte[512];
            while (in.readNBytes(header, 0, 512) == 512 && header[0] != 0) {
                String name = field(header, 0, 100);
                String prefix = field(header, 345, 155);
                if (!prefix.isEmpty()) {
                    name = prefix + "/" + name;
                }
                int mode = Integer.parseInt(field(header, 100, 8).trim(), 8);
                long size = Long.parseLong(field(header, 124, 12).trim(), 8);
                char type = (char) header[156];
                byte[] data = type == 'x' || type == 'L' || type == 'g' ? in.readNBytes((int) size) : null;
                if (data == null && longName != null) {
                    name = longName;
                    longName = null;
                }
                if (type == 'x') {
                    for (String record : new String(data, StandardCharsets.UTF_8).split("\n")) {
                        if (record.contains(" path=")) {
                            longName = record.substring(record.indexOf(" path=") + 6);
                        }
                    }
                } else if (type == 'L') {
                    longName = new String(data, StandardCharsets.UTF_8).replace("\0", "");
                } else if (type != 'g') {
                    Path target = into.resolve(name).normalize();
                    assertThat(target.startsWith(into)).as("%s stays in the folder", name).isTrue();
                    String imagePath = "/" + name.replaceAll("/$", "");
                    if (modesOut != null) {
                        modesOut.put(imagePath, mode);
                    }
                    if (type == '5') {
                        Files.createDirectories(target);
                    } else if (type == '0' || type == '\0') {
                        Files.createDirectories(target.getParent());
                        Files.copy(new BoundedInput(in, size), target,
                                java.nio.file.StandardCopyOption.REPLACE_EXISTING);
                        Files.setPosixFilePermissions(target, PosixFilePermissions.fromString(rwx(mode | 0200)));
                        size = 0;
                    }
                    in.skipNBytes(size);
                }
                long read = data != null ? size : Long.parseLong(field(header, 124, 12).trim(), 8);
                in.skipNBytes((512 - read % 512) % 512);
            }
        }
    }

    private static String field(byte[] header, int offset, int length) {
        int end = offset;
        while (end < offset + length && header[end] != 0) {
            end++;
        }
        return new String(header, offset, end - offset, StandardCharsets.UTF_8);
    }

    private static String rwx(int mode) {
        String all = "rwxrwxrwx";
        StringBuilder s = new StringBuilder();
        for (int i = 0; i < 9; i++) {
            s.append((mode & (1 << (8 - i))) != 0 ? all.charAt(i) : '-');
        }
        return s.toString();
    }

    /** The next {@code size} bytes of a stream, leaving it open. */
    private static final class BoundedInput extends InputStream {
        private final InputStream in;
        private long left;

        BoundedInput(InputStream in, long size) {
            this.in = in;
            this.left = size;
        }

        @Override
        public int read() throws IOException {
            if (left == 0) {
                return -1;
            }
            left--;
            return in.read();
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            if (left == 0) {
                return -1;
            }
            int n = in.read(b, off, (int) Math.min(len, left));
            if (n > 0) {
                left -= n;
            }
            return n;
        }
    }
}
