package io.github.cameld1backup;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.github.cameld1backup.model.Manifest;
import io.github.cameld1backup.testing.Backups;
import io.github.cameld1backup.testing.FaultyBlobStore;
import io.github.cameld1backup.testing.Fixtures;
import io.github.cameld1backup.testing.S3ProxyServer;
import io.github.cameld1backup.testing.SigningKeys;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A copy whose object was stored but whose manifest could not be: no object stays under a final name without it. */
class PartialCopyTest {

    @TempDir
    Path tmp;

    @Test
    void anObjectWhoseManifestCannotBeStoredIsRemoved() throws Exception {
        assertNoObjectWithoutManifest(Fixtures.create("edge_values", tmp), 16 << 20, false);
    }

    /** Signed (MANIFEST_SIGNING_KEY): the signature, stored before the manifest, goes with the object. */
    @Test
    void aSignedObjectWhoseManifestCannotBeStoredIsRemovedWithItsSignature() throws Exception {
        assertNoObjectWithoutManifest(Fixtures.create("edge_values", tmp), 16 << 20, true);
    }

    /** A multipart object carries no metadata (aws2-s3 leaves it off): it is still recognised as the run's own. */
    @Test
    void aMultipartObjectWhoseManifestCannotBeStoredIsRemoved() throws Exception {
        assertNoObjectWithoutManifest(Fixtures.incompressible(tmp, "big", 6 << 20), 5 << 20, false);
    }

    private void assertNoObjectWithoutManifest(Path db, int partSize, boolean signed) throws Exception {
        AtomicReference<FaultyBlobStore> store = new AtomicReference<>();
        try (S3ProxyServer s3 = new S3ProxyServer(b -> {
            store.set(new FaultyBlobStore(b));
            return store.get();
        })) {
            s3.createBucket("partial");
            // The backup goes through; every attempt at its manifest fails with 500.
            store.get().faults((n, operation) -> operation.startsWith("PutObject") && operation.endsWith(Manifest.SUFFIX)
                    ? FaultyBlobStore.Fault.error(500) : null);
            Map<String, String> settings = s3.settings(Backups.sqlite(db));
            settings.put("backup.upload.part.size", String.valueOf(partSize));
            settings.put("backup.target", "r2:partial, file:" + tmp.resolve("local"));
            settings.put("backup.upload.retries", "1");
            settings.put("backup.upload.retry.delay", "10");
            if (signed) {
                settings.put("manifest.signing.key", SigningKeys.make(tmp.resolve("keys"), "manifest").privatePem().toString());
            }

            assertThatThrownBy(() -> Backups.run(settings, tmp.resolve("unused")))
                    .hasMessageContaining("failed on r2:partial").hasMessageContaining("internal error");
            store.get().stopFailing();
            assertThat(s3.keys("partial")).as("no backup without its manifest").isEmpty();
            try (var local = Files.list(tmp.resolve("local"))) {
                assertThat(local.count()).as("the other target keeps its complete copy").isEqualTo(signed ? 3 : 2);
            }
        }
    }
}
