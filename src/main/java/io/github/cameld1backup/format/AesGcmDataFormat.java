package io.github.cameld1backup.format;

import io.github.cameld1backup.config.BackupSettings;
import java.io.EOFException;
import java.io.InputStream;
import java.io.OutputStream;
import java.security.SecureRandom;
import java.util.HexFormat;
import org.bouncycastle.crypto.InvalidCipherTextException;
import org.bouncycastle.crypto.engines.AESEngine;
import org.bouncycastle.crypto.modes.GCMBlockCipher;
import org.bouncycastle.crypto.modes.GCMModeCipher;
import org.bouncycastle.crypto.params.AEADParameters;
import org.bouncycastle.crypto.params.KeyParameter;

/**
 * AES-256-GCM in the layout WebCrypto's {@code decrypt({name: "AES-GCM", iv}, key, data)} reads:
 * a fresh random 12-byte IV, then the ciphertext followed by its 16-byte tag. A new IV for every
 * backup, from {@link SecureRandom}. Decryption streams, and the caller gets nothing until the tag
 * has been checked.
 */
public class AesGcmDataFormat extends StreamingDataFormat {

    public static final int IV_BYTES = 12;
    public static final int TAG_BITS = 128;

    private final SecureRandom random = new SecureRandom();
    private final byte[] key;

    /** @param hexKey 64 hexadecimal characters (32 bytes); null when not configured (then unusable) */
    public AesGcmDataFormat(String hexKey) {
        if (hexKey != null && !hexKey.matches("[0-9a-fA-F]{64}")) {
            throw new IllegalArgumentException("ENCRYPTION_KEY (encryption.key) must be 64 hexadecimal characters"
                    + " (32 bytes, e.g. from: openssl rand -hex 32)");
        }
        this.key = hexKey == null ? null : HexFormat.of().parseHex(hexKey);
    }

    @Override
    StreamingDataFormat forSettings(BackupSettings settings) {
        return new AesGcmDataFormat(settings.encryptionKey().orElse(null));
    }

    private byte[] key() {
        if (key == null) {
            throw new IllegalStateException("no AES-256-GCM key configured (ENCRYPTION_KEY)");
        }
        return key;
    }

    @Override
    public String getDataFormatName() {
        return "aes-256-gcm";
    }

    @Override
    protected void encode(InputStream in, OutputStream out) throws Exception {
        byte[] iv = new byte[IV_BYTES];
        random.nextBytes(iv);
        out.write(iv);
        GCMModeCipher cipher = GCMBlockCipher.newInstance(AESEngine.newInstance());
        cipher.init(true, new AEADParameters(new KeyParameter(key()), TAG_BITS, iv));
        pump(cipher, in, out);
    }

    @Override
    protected void decode(InputStream in, OutputStream out) throws Exception {
        byte[] iv = in.readNBytes(IV_BYTES);
        if (iv.length != IV_BYTES) {
            throw new DecryptionException("not an AES-256-GCM backup: shorter than its IV", new EOFException());
        }
        GCMModeCipher cipher = GCMBlockCipher.newInstance(AESEngine.newInstance());
        cipher.init(false, new AEADParameters(new KeyParameter(key()), TAG_BITS, iv));
        try {
            pump(cipher, in, out);
        } catch (InvalidCipherTextException e) {
            throw new DecryptionException("backup failed authentication (AES-256-GCM): wrong key, or the file was"
                    + " altered or cut short", e);
        }
    }

    private static void pump(GCMModeCipher cipher, InputStream in, OutputStream out) throws Exception {
        byte[] buffer = new byte[1 << 16];
        byte[] output = new byte[buffer.length + 32];
        int n;
        while ((n = in.read(buffer)) > 0) {
            int produced = cipher.processBytes(buffer, 0, n, output, 0);
            out.write(output, 0, produced);
        }
        int last = cipher.doFinal(output, 0);
        out.write(output, 0, last);
    }
}
