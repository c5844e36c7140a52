package io.github.cameld1backup.source;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/**
 * What identifies the state of a SQLite database file, cheaply and soundly, for
 * {@code backup.skip.unchanged}: equal versions mean the same database.
 *
 * <p>In rollback-journal mode (header bytes 18 and 19 are 1), SQLite increments the file change counter
 * (header offset 24, 4 bytes big-endian) whenever it unlocks the file after modifying it, so the counter
 * with the file's size and modification time (which catch a file replaced by something other than SQLite)
 * is read from the first 100 bytes. In WAL mode (bytes 18/19 are 2) the counter is not kept up to date,
 * and a non-empty {@code -wal} or {@code -journal} file means the file alone is not the database: then the
 * version is the SHA-256 of the database file and those files, which costs one read of them.
 *
 * <p>A run takes the version before and after its reads and records it only when both are equal.
 */
public final class SourceVersions {

    private static final byte[] MAGIC = "SQLite format 3\0".getBytes(java.nio.charset.StandardCharsets.US_ASCII);
    private static final int HEADER = 100;

    private SourceVersions() {
    }

    /** The version of the SQLite database at {@code file}: {@code sqlite-counter:...} or {@code sqlite-sha256:...}. */
    public static String sqlite(Path file) {
        try {
            ByteBuffer header = ByteBuffer.allocate(HEADER);
            try (FileChannel channel = FileChannel.open(file, StandardOpenOption.READ)) {
                while (header.hasRemaining() && channel.read(header) > 0) {
                    // a database file is at least one page: the header is whole unless the file is not a database
                }
            }
            byte[] bytes = header.array();
            boolean database = header.position() == HEADER && java.util.Arrays.equals(bytes, 0, MAGIC.length, MAGIC, 0,
                    MAGIC.length);
            Path wal = sibling(file, "-wal");
            Path journal = sibling(file, "-journal");
            if (database && bytes[18] == 1 && bytes[19] == 1 && empty(wal) && empty(journal)) {
                BasicFileAttributes attributes = Files.readAttributes(file, BasicFileAttributes.class);
                long counter = header.getInt(24) & 0xffffffffL;
                return "sqlite-counter:" + counter + ":" + attributes.size() + ":"
                        + attributes.lastModifiedTime().toInstant();
            }
            return "sqlite-sha256:" + sha256(file, wal, journal);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + file + ": " + e.getMessage(), e);
        }
    }

    private static Path sibling(Path file, String suffix) {
        return file.resolveSibling(file.getFileName() + suffix);
    }

    private static boolean empty(Path file) throws IOException {
        try {
            return Files.size(file) == 0;
        } catch (NoSuchFileException e) {
            return true;
        }
    }

    /** Each file's length, then its bytes (a file that does not exist counts as length -1). */
    private static String sha256(Path... files) throws IOException {
        MessageDigest digest;
        try {
            digest = MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
        byte[] buffer = new byte[1 << 16];
        for (Path f : files) {
            if (!Files.exists(f)) {
                digest.update(ByteBuffer.allocate(Long.BYTES).putLong(-1).array());
                continue;
            }
            try (InputStream in = Files.newInputStream(f)) {
                digest.update(ByteBuffer.allocate(Long.BYTES).putLong(Files.size(f)).array());
                for (int n; (n = in.read(buffer)) > 0; ) {
                    digest.update(buffer, 0, n);
                }
            } catch (NoSuchFileException e) {
                digest.update(ByteBuffer.allocate(Long.BYTES).putLong(-1).array()); // gone since: a checkpoint
            }
        }
        return HexFormat.of().formatHex(digest.digest());
    }
}
