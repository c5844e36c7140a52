package io.github.cameld1backup.api;

import io.github.cameld1backup.config.BackupSettings;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.time.Clock;
import java.time.Duration;
import java.util.Locale;
import java.util.Optional;
import java.util.OptionalLong;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import org.apache.commons.codec.binary.Base32;

/**
 * Time-based one-time passwords (RFC 6238 over RFC 4226's HOTP): HMAC-SHA1/256/512, 6 to 8
 * digits, a step of 30 seconds by default, one step of clock drift either way.
 */
public final class Totp {

    /** The TOTP generator for {@code TOTP_SECRET}, when one is set (checked at start-up). */
    public static Optional<Totp> from(BackupSettings settings) {
        return settings.totpSecret().map(secret -> new Totp(decodeSecret(secret), settings.totpAlgorithm(),
                settings.totpDigits(), settings.totpStep(), Clock.systemUTC()));
    }

    private static final int[] POWERS = {1, 10, 100, 1_000, 10_000, 100_000, 1_000_000, 10_000_000, 100_000_000};

    private final byte[] secret;
    private final String algorithm;
    private final int digits;
    private final long stepSeconds;
    private final Clock clock;

    public Totp(byte[] secret, String algorithm, int digits, Duration step, Clock clock) {
        if (digits < 6 || digits > 8) {
            throw new IllegalArgumentException("TOTP_DIGITS (totp.digits) must be 6, 7 or 8");
        }
        if (step.getSeconds() < 1) {
            throw new IllegalArgumentException("TOTP_STEP (totp.step) must be at least 1 second");
        }
        this.secret = secret.clone();
        this.algorithm = switch (algorithm.toUpperCase(Locale.ROOT).replace("-", "")) {
            case "SHA1", "HMACSHA1" -> "HmacSHA1";
            case "SHA256", "HMACSHA256" -> "HmacSHA256";
            case "SHA512", "HMACSHA512" -> "HmacSHA512";
            default -> throw new IllegalArgumentException("TOTP_ALGORITHM (totp.algorithm) must be SHA1, SHA256 or SHA512");
        };
        this.digits = digits;
        this.stepSeconds = step.getSeconds();
        this.clock = clock;
    }

    /**
     * A secret as authenticator apps show it: base32, case and spaces ignored, padding optional,
     * at least 80 bits (16 characters).
     */
    public static byte[] decodeSecret(String base32) {
        String s = base32 == null ? "" : base32.replace(" ", "").toUpperCase(Locale.ROOT).replaceAll("=+$", "");
        if (s.length() < 16 || !s.matches("[A-Z2-7]+") || s.length() % 8 == 1 || s.length() % 8 == 3
                || s.length() % 8 == 6) {
            throw new IllegalArgumentException("TOTP_SECRET (totp.secret) must be a base32 secret of at least 16"
                    + " characters (A-Z, 2-7), as authenticator apps use");
        }
        return new Base32().decode(s);
    }

    public int digits() {
        return digits;
    }

    /** The time step the clock is in now. */
    public long currentStep() {
        return Math.floorDiv(clock.millis() / 1000, stepSeconds);
    }

    public String codeAt(long step) {
        try {
            Mac mac = Mac.getInstance(algorithm);
            mac.init(new SecretKeySpec(secret, algorithm));
            byte[] hash = mac.doFinal(ByteBuffer.allocate(8).putLong(step).array());
            int offset = hash[hash.length - 1] & 0x0f;
            int binary = ((hash[offset] & 0x7f) << 24) | ((hash[offset + 1] & 0xff) << 16)
                    | ((hash[offset + 2] & 0xff) << 8) | (hash[offset + 3] & 0xff);
            return String.format("%0" + digits + "d", binary % POWERS[digits]);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    public String now() {
        return codeAt(currentStep());
    }

    /**
     * The step whose code this is, within one step of now; every candidate is compared in
     * constant time, so timing says nothing about how close a guess was.
     */
    public OptionalLong match(String code) {
        byte[] given = code.getBytes(StandardCharsets.US_ASCII);
        long now = currentStep();
        long found = Long.MIN_VALUE;
        for (long step = now - 1; step <= now + 1; step++) {
            boolean equal = MessageDigest.isEqual(given, codeAt(step).getBytes(StandardCharsets.US_ASCII));
            if (equal && found == Long.MIN_VALUE) {
                found = step;
            }
        }
        return found == Long.MIN_VALUE ? OptionalLong.empty() : OptionalLong.of(found);
    }
}
