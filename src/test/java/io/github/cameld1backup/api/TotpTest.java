package io.github.cameld1backup.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.api.Test;

class TotpTest {

    /** RFC 6238 appendix B: 8 digits, the ASCII seeds of the RFC for each hash. */
    @ParameterizedTest(name = "{1} at {0}")
    @CsvSource({
        "59,SHA1,94287082", "59,SHA256,46119246", "59,SHA512,90693936",
        "1111111109,SHA1,07081804", "1111111109,SHA256,68084774", "1111111109,SHA512,25091201",
        "1111111111,SHA1,14050471", "1111111111,SHA256,67062674", "1111111111,SHA512,99943326",
        "1234567890,SHA1,89005924", "1234567890,SHA256,91819424", "1234567890,SHA512,93441116",
        "2000000000,SHA1,69279037", "2000000000,SHA256,90698825", "2000000000,SHA512,38618901",
        "20000000000,SHA1,65353130", "20000000000,SHA256,77737706", "20000000000,SHA512,47863826"})
    void rfc6238Vectors(long time, String algorithm, String expected) {
        String seed = switch (algorithm) {
            case "SHA1" -> "12345678901234567890";
            case "SHA256" -> "12345678901234567890123456789012";
            default -> "1234567890123456789012345678901234567890123456789012345678901234";
        };
        Totp totp = new Totp(seed.getBytes(StandardCharsets.US_ASCII), algorithm, 8, Duration.ofSeconds(30),
                Clock.fixed(Instant.ofEpochSecond(time), ZoneOffset.UTC));
        assertThat(totp.now()).isEqualTo(expected);
    }

    @Test
    void acceptsOneStepOfDriftEitherWayAndNoMore() {
        Clock at = Clock.fixed(Instant.ofEpochSecond(1_700_000_000L), ZoneOffset.UTC);
        Totp totp = new Totp(Totp.decodeSecret("JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"), "SHA1", 6, Duration.ofSeconds(30), at);
        long now = totp.currentStep();
        assertThat(totp.match(totp.codeAt(now))).hasValue(now);
        assertThat(totp.match(totp.codeAt(now - 1))).hasValue(now - 1);
        assertThat(totp.match(totp.codeAt(now + 1))).hasValue(now + 1);
        assertThat(totp.match(totp.codeAt(now - 2))).isEmpty();
        assertThat(totp.match(totp.codeAt(now + 2))).isEmpty();
    }

    @Test
    void secretsAreBase32AsAuthenticatorAppsShowThem() {
        assertThat(Totp.decodeSecret("jbsw y3dp ehpk 3pxp")).isEqualTo(Totp.decodeSecret("JBSWY3DPEHPK3PXP"));
        assertThatThrownBy(() -> Totp.decodeSecret("not base32!")).hasMessageContaining("TOTP_SECRET");
        assertThatThrownBy(() -> Totp.decodeSecret("JBSWY3DP")).hasMessageContaining("at least 16");
        assertThatThrownBy(() -> Totp.decodeSecret("")).hasMessageContaining("TOTP_SECRET");
    }
}
