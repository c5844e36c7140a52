package io.github.cameld1backup.dump;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;

/** The pipe between the dump and its compression and encryption, which run on another thread. */
class DumpPipeTest {

    @Test
    void whatIsWrittenIsReadInOrderAndEnds() throws Exception {
        DumpPipe pipe = new DumpPipe(1024, 2);
        CompletableFuture<byte[]> read = CompletableFuture.supplyAsync(() -> {
            try {
                return pipe.source().readAllBytes();
            } catch (IOException e) {
                throw new RuntimeException(e);
            }
        });
        ByteArrayOutputStream expected = new ByteArrayOutputStream();
        try (OutputStream out = pipe.sink()) {
            for (int i = 0; i < 10_000; i++) {
                byte[] line = ("row " + i + "\n").getBytes();
                out.write(line);
                expected.write(line);
            }
        }
        assertThat(read.get()).isEqualTo(expected.toByteArray());
    }

    @Test
    void aFailingReaderStopsTheWriterWithItsCause() throws Exception {
        DumpPipe pipe = new DumpPipe(1024, 2);
        CompletableFuture.runAsync(() -> {
            try {
                pipe.source().readNBytes(3000);
            } catch (IOException ignored) {
                // the reader fails below all the same
            }
            pipe.source().fail(new IOException("No space left on device"));
        });
        assertThatThrownBy(() -> {
            try (OutputStream out = pipe.sink()) {
                for (int i = 0; i < 1_000_000; i++) {
                    out.write(new byte[100]);
                }
            }
        }).isInstanceOf(IOException.class)
                .hasMessage("compression or encryption of the dump failed: No space left on device");
    }
}
