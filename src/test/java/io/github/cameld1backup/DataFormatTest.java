package io.github.cameld1backup;

import io.github.cameld1backup.testing.AgeKeys;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.github.cameld1backup.format.AesGcmDataFormat;
import io.github.cameld1backup.format.AgeDataFormat;
import io.github.cameld1backup.format.DecryptionException;
import io.github.cameld1backup.format.GzipDataFormat;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.zip.GZIPInputStream;
import javax.crypto.Cipher;
import javax.crypto.spec.GCMParameterSpec;
import javax.crypto.spec.SecretKeySpec;
import org.apache.camel.CamelContext;
import org.apache.camel.Exchange;
import org.apache.camel.impl.DefaultCamelContext;
import org.apache.camel.spi.DataFormat;
import org.apache.camel.support.DefaultExchange;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The data formats against standard tools: the JDK's AES-GCM, gunzip, and the age CLI. */
class DataFormatTest {

    static final String KEY = "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f";
    static CamelContext camel;
    static byte[] plain;
    static java.util.concurrent.ExecutorService threads;
    /** gzip on three threads, more than this machine may have cores: blocks finish out of order. */
    static GzipDataFormat gzip;

    @TempDir
    Path tmp;

    @BeforeAll
    static void start() {
        camel = new DefaultCamelContext();
        camel.start();
        threads = java.util.concurrent.Executors.newFixedThreadPool(3);
        gzip = new GzipDataFormat(threads, 3, 6);
        plain = new byte[3_000_000]; // several stream buffers and GCM blocks, not a multiple of either
        new Random(7).nextBytes(plain);
        System.arraycopy("INSERT INTO t VALUES('x');\n".getBytes(StandardCharsets.UTF_8), 0, plain, 0, 26);
    }

    @AfterAll
    static void stop() {
        threads.shutdownNow();
        camel.stop();
    }

    static byte[] marshal(DataFormat format, byte[] data) throws Exception {
        Exchange exchange = new DefaultExchange(camel);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        format.marshal(exchange, data, out);
        return out.toByteArray();
    }

    static byte[] unmarshal(DataFormat format, byte[] data) throws Exception {
        Exchange exchange = new DefaultExchange(camel);
        Object result = format.unmarshal(exchange, new ByteArrayInputStream(data));
        try (InputStream in = camel.getTypeConverter().mandatoryConvertTo(InputStream.class, exchange, result)) {
            return in.readAllBytes();
        }
    }

    @Test
    void aesGcmIsWhatWebCryptoAndTheJdkDecrypt() throws Exception {
        byte[] sealed = marshal(new AesGcmDataFormat(KEY), plain);
        assertThat(sealed.length).isEqualTo(12 + plain.length + 16);

        // WebCrypto's layout: iv (12) || ciphertext || tag (16), decrypted here with the JDK.
        Cipher jdk = Cipher.getInstance("AES/GCM/NoPadding");
        jdk.init(Cipher.DECRYPT_MODE, new SecretKeySpec(HexFormat.of().parseHex(KEY), "AES"),
                new GCMParameterSpec(128, sealed, 0, 12));
        assertThat(jdk.doFinal(sealed, 12, sealed.length - 12)).isEqualTo(plain);
        assertThat(unmarshal(new AesGcmDataFormat(KEY), sealed)).isEqualTo(plain);
    }

    @Test
    void aesGcmNeverReusesAnIv() throws Exception {
        AesGcmDataFormat format = new AesGcmDataFormat(KEY);
        byte[] a = marshal(format, plain);
        byte[] b = marshal(format, plain);
        assertThat(Arrays.copyOf(a, 12)).isNotEqualTo(Arrays.copyOf(b, 12));
    }

    @Test
    void aesGcmRefusesTamperingTruncationAndTheWrongKey() throws Exception {
        byte[] sealed = marshal(new AesGcmDataFormat(KEY), plain);
        for (int position : new int[] {0, 11, 12, 5000, sealed.length - 17, sealed.length - 1}) {
            byte[] tampered = sealed.clone();
            tampered[position] ^= 0x01;
            assertThatThrownBy(() -> unmarshal(new AesGcmDataFormat(KEY), tampered))
                    .as("byte %d flipped", position).isInstanceOf(DecryptionException.class)
                    .hasMessageContaining("failed authentication");
        }
        assertThatThrownBy(() -> unmarshal(new AesGcmDataFormat(KEY), Arrays.copyOf(sealed, sealed.length - 100)))
                .isInstanceOf(DecryptionException.class);
        assertThatThrownBy(() -> unmarshal(new AesGcmDataFormat(KEY.replace('0', '1')), sealed))
                .isInstanceOf(DecryptionException.class);
        assertThatThrownBy(() -> new AesGcmDataFormat("abc")).hasMessageContaining("ENCRYPTION_KEY");
    }

    @Test
    void gzipIsWhatGunzipReads() throws Exception {
        int block = 1 << 19; // ParallelGzipOutputStream's block: sizes around it, and several blocks of text
        List<byte[]> inputs = List.of(new byte[0], "x".getBytes(StandardCharsets.UTF_8), sqlText(block - 1),
                sqlText(block), sqlText(block + 1), sqlText(5_000_000), plain);
        for (byte[] input : inputs) {
            byte[] packed = marshal(gzip, input);
            try (InputStream in = new GZIPInputStream(new ByteArrayInputStream(packed))) {
                assertThat(in.readAllBytes()).as("%d bytes through GZIPInputStream", input.length).isEqualTo(input);
            }
            assertThat(unmarshal(gzip, packed)).isEqualTo(input);
            Path file = tmp.resolve("dump.sql.gz");
            Files.write(file, packed);
            Process gunzip = new ProcessBuilder("gzip", "--decompress", "--stdout", file.toString()).start();
            byte[] out = gunzip.getInputStream().readAllBytes();
            String said = new String(gunzip.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
            assertThat(gunzip.waitFor(1, TimeUnit.MINUTES)).isTrue();
            assertThat(gunzip.exitValue()).as("gzip -dc on %d bytes: %s", input.length, said).isZero();
            assertThat(out).as("%d bytes through gunzip", input.length).isEqualTo(input);
        }
    }

    @Test
    void gzipOnSeveralThreadsCompressesAsWellAsOneStream() throws Exception {
        byte[] text = sqlText(8_000_000);
        ByteArrayOutputStream single = new ByteArrayOutputStream();
        try (java.util.zip.GZIPOutputStream one = new java.util.zip.GZIPOutputStream(single)) {
            one.write(text);
        }
        byte[] parallel = marshal(gzip, text);
        // Each block is primed with the 32 KiB before it: the ratio is one stream's, give or take the flushes.
        assertThat((double) parallel.length).isLessThan(single.size() * 1.01);
    }

    @Test
    void gzipLevelIsHonoured() throws Exception {
        byte[] text = sqlText(2_000_000);
        byte[] fastest = marshal(new GzipDataFormat(threads, 3, 1), text);
        byte[] smallest = marshal(new GzipDataFormat(threads, 3, 9), text);
        assertThat(smallest.length).isLessThan(fastest.length);
        assertThat(unmarshal(gzip, fastest)).isEqualTo(text);
        assertThat(unmarshal(gzip, smallest)).isEqualTo(text);
    }

    @Test
    void gzipStopsWhenItsInputFails() {
        InputStream failing = new java.io.SequenceInputStream(new ByteArrayInputStream(sqlText(3_000_000)),
                new InputStream() {
                    @Override
                    public int read() throws java.io.IOException {
                        throw new java.io.IOException("the dump was cut short");
                    }
                });
        assertThatThrownBy(() -> gzip.marshal(new DefaultExchange(camel), failing, new ByteArrayOutputStream()))
                .hasMessageContaining("the dump was cut short");
    }

    @Test
    void gzipOnAStoppedPoolFailsInsteadOfWaitingForever() {
        java.util.concurrent.ExecutorService stopped = java.util.concurrent.Executors.newFixedThreadPool(2);
        stopped.shutdownNow();
        GzipDataFormat onStopped = new GzipDataFormat(stopped, 2, 6);
        org.junit.jupiter.api.Assertions.assertTimeoutPreemptively(java.time.Duration.ofSeconds(30), () ->
                assertThatThrownBy(() -> marshal(onStopped, sqlText(3_000_000)))
                        .hasMessageContaining("compression stopped"));
    }

    /** SQL-like text that compresses as dumps do (numbers, repeated statement heads). */
    static byte[] sqlText(int size) {
        StringBuilder sql = new StringBuilder(size + 100);
        Random random = new Random(size);
        for (int i = 0; sql.length() < size; i++) {
            sql.append("INSERT INTO \"t\"(id,name,price) VALUES(").append(i).append(",'item ")
                    .append(random.nextInt(100_000)).append("',").append(random.nextDouble()).append(");\n");
        }
        return Arrays.copyOf(sql.toString().getBytes(StandardCharsets.UTF_8), size);
    }

    @Test
    void ageIsWhatTheAgeToolDecrypts() throws Exception {
        Path identity = tmp.resolve("key.txt");
        String recipient = AgeKeys.generate(identity);
        byte[] sealed = marshal(new AgeDataFormat(List.of(recipient), List.of()), plain);
        assertThat(new String(sealed, 0, 21, StandardCharsets.US_ASCII)).isEqualTo("age-encryption.org/v1");

        Path in = tmp.resolve("backup.sql.age");
        Path out = tmp.resolve("backup.sql");
        Files.write(in, sealed);
        Process age = new ProcessBuilder("age", "--decrypt", "-i", identity.toString(), "-o", out.toString(), in.toString())
                .redirectErrorStream(true).start();
        String said = new String(age.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(age.waitFor(1, TimeUnit.MINUTES)).isTrue();
        assertThat(age.exitValue()).as(said).isZero();
        assertThat(Files.readAllBytes(out)).isEqualTo(plain);

        String secret = AgeKeys.identity(identity);
        assertThat(unmarshal(new AgeDataFormat(List.of(), List.of(secret)), sealed)).isEqualTo(plain);
    }

    @Test
    void ageRefusesTamperingTruncationAndTheWrongIdentity() throws Exception {
        Path identity = tmp.resolve("key.txt");
        String recipient = AgeKeys.generate(identity);
        String secret = AgeKeys.identity(identity);
        byte[] sealed = marshal(new AgeDataFormat(List.of(recipient), List.of()), plain);
        byte[] tampered = sealed.clone();
        tampered[sealed.length / 2] ^= 0x01;
        assertThatThrownBy(() -> unmarshal(new AgeDataFormat(List.of(), List.of(secret)), tampered))
                .isInstanceOf(DecryptionException.class);
        assertThatThrownBy(() -> unmarshal(new AgeDataFormat(List.of(), List.of(secret)),
                Arrays.copyOf(sealed, sealed.length - 1000))).isInstanceOf(DecryptionException.class);
        Path other = tmp.resolve("other.txt");
        AgeKeys.generate(other);
        assertThatThrownBy(() -> unmarshal(new AgeDataFormat(List.of(), List.of(AgeKeys.identity(other))), sealed))
                .isInstanceOf(DecryptionException.class);
        assertThatThrownBy(() -> new AgeDataFormat(List.of("age1notakey"), List.of()))
                .hasMessageContaining("AGE_RECIPIENTS");
    }
}
