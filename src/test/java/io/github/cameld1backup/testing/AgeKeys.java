package io.github.cameld1backup.testing;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

/** age key pairs made by the standard age-keygen, for the tests that encrypt to age. */
public final class AgeKeys {

    private AgeKeys() {
    }

    /** Makes an identity file with age-keygen; answers its public key (the recipient, {@code age1...}). */
    public static String generate(Path file) throws Exception {
        Process p = new ProcessBuilder("age-keygen", "-o", file.toString()).redirectErrorStream(true).start();
        String said = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor(1, TimeUnit.MINUTES)).isTrue();
        return said.substring(said.indexOf("age1")).strip();
    }

    /** The secret key line ({@code AGE-SECRET-KEY-1...}) of an identity file, as age.identity takes it. */
    public static String identity(Path file) throws Exception {
        return Files.readAllLines(file).stream().filter(l -> l.startsWith("AGE-SECRET-KEY-")).findFirst().orElseThrow();
    }
}
