package io.github.cameld1backup;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.github.cameld1backup.model.BackupResult;
import io.github.cameld1backup.model.Manifest;
import io.github.cameld1backup.model.Verification;
import io.github.cameld1backup.testing.Backups;
import io.github.cameld1backup.testing.DatabaseSnapshot;
import io.github.cameld1backup.testing.Fixtures;
import io.github.cameld1backup.testing.S3ProxyServer;
import io.github.cameld1backup.testing.SigningKeys;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;
import software.amazon.awssdk.core.sync.RequestBody;

/**
 * Signed manifests (MANIFEST_SIGNING_KEY, MANIFEST_PUBLIC_KEY): each backup's manifest signed beside it with
 * Ed25519, in a folder and in S3Proxy; restore and verify under the public key accept it, and refuse a manifest
 * altered by one byte, unsigned, signed with another key or copied under another name, loading nothing;
 * openssl agrees with the signatures; without a public key nothing changes.
 */
class SignedManifestTest {

    private static final String KEY = "00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff";

    @TempDir
    Path tmp;

    private Map<String, String> signing(Map<String, String> settings, SigningKeys.Pair keys) {
        settings.put("encryption.key", KEY);
        settings.put("backup.compression", "gzip");
        settings.put("backup.work.dir", tmp.resolve("work").toString());
        settings.put("manifest.signing.key", keys.privatePem().toString()); // a path
        return settings;
    }

    /** The restoring side: the backups' target, the AES key and (unless null) the public key as PEM text. */
    private Map<String, String> restoring(String target, String publicPem) {
        Map<String, String> s = new HashMap<>();
        s.put("backup.target", target);
        s.put("backup.work.dir", tmp.resolve("work").toString());
        s.put("encryption.key", KEY);
        if (publicPem != null) {
            s.put("manifest.public.key", publicPem);
        }
        return s;
    }

    private static String name(BackupResult result) {
        return Path.of(result.location()).getFileName().toString();
    }

    /** The manifest with the one byte of its row count's last digit changed (still JSON, still readable). */
    private static byte[] tampered(byte[] manifest) {
        String json = new String(manifest, StandardCharsets.UTF_8);
        int at = json.indexOf("\"rows\" : ") + 9;
        while (Character.isDigit(json.charAt(at + 1))) {
            at++;
        }
        byte[] out = manifest.clone();
        out[at] = (byte) (out[at] == '9' ? '8' : out[at] + 1);
        return out;
    }

    @Test
    void aSignedFolderBackupRestoresAndVerifiesUnderItsPublicKeyAndOpensslAcceptsTheSignature() throws Exception {
        Path db = Fixtures.create("schema_zoo", tmp);
        SigningKeys.Pair keys = SigningKeys.make(tmp.resolve("keys"), "manifest");
        Path backups = tmp.resolve("backups");
        String name = name(Backups.run(signing(Backups.sqlite(db), keys), backups));

        Path manifest = backups.resolve(name + Manifest.SUFFIX);
        Path signature = backups.resolve(name + Manifest.SIGNATURE_SUFFIX);
        assertThat(signature).exists();
        assertThat(Files.size(signature)).isEqualTo(64);
        try (var files = Files.list(backups)) {
            assertThat(files.map(p -> p.getFileName().toString()).sorted().toList())
                    .containsExactly(name, name + Manifest.SUFFIX, name + Manifest.SIGNATURE_SUFFIX);
        }

        try (BackupApplication app = BackupApplication.start(restoring("file:" + backups, keys.publicPemText()))) {
            assertThat(app.list(app.settings().primaryTarget())).extracting(Manifest::object).containsExactly(name);
            Path restored = tmp.resolve("restored.db");
            app.restore(name, "sqlite:" + restored, false, 1);
            assertThat(DatabaseSnapshot.of(restored)).isEqualTo(DatabaseSnapshot.of(db));
            Verification report = app.verify(name);
            assertThat(report.ok()).isTrue();
            assertThat(report.summary()).contains("manifest signature");
            // A local file, with its manifest and signature beside it, too.
            Path elsewhere = Files.createDirectories(tmp.resolve("elsewhere"));
            for (Path p : List.of(backups.resolve(name), manifest, signature)) {
                Files.copy(p, elsewhere.resolve(p.getFileName()));
            }
            assertThat(app.verify(elsewhere.resolve(name).toString()).ok()).isTrue();
        }

        if (SigningKeys.opensslInstalled()) {
            assertThat(SigningKeys.opensslVerifies(keys.publicPem(), manifest, signature)).isTrue();
            Path altered = tmp.resolve("altered.json");
            Files.write(altered, tampered(Files.readAllBytes(manifest)));
            assertThat(SigningKeys.opensslVerifies(keys.publicPem(), altered, signature)).isFalse();
        }
    }

    @Test
    void anAlteredUnsignedRenamedOrWronglySignedManifestIsRefusedAndNothingIsLoaded() throws Exception {
        Path db = Fixtures.create("schema_zoo", tmp);
        SigningKeys.Pair keys = SigningKeys.make(tmp.resolve("keys"), "manifest");
        SigningKeys.Pair other = SigningKeys.make(tmp.resolve("keys"), "other");
        Path backups = tmp.resolve("backups");
        BackupResult result = Backups.run(signing(Backups.sqlite(db), keys), backups);
        String name = name(result);
        Path manifest = backups.resolve(name + Manifest.SUFFIX);
        Path signature = backups.resolve(name + Manifest.SIGNATURE_SUFFIX);
        byte[] good = Files.readAllBytes(manifest);
        byte[] goodSignature = Files.readAllBytes(signature);
        Path restored = tmp.resolve("restored.db");

        // One byte of the manifest changed.
        Files.write(manifest, tampered(good));
        try (BackupApplication app = BackupApplication.start(restoring("file:" + backups, keys.publicPemText()))) {
            assertThatThrownBy(() -> app.restore(name, "sqlite:" + restored, false, 1))
                    .hasMessageContaining("the manifest of " + name + " does not match its signature under MANIFEST_PUBLIC_KEY");
            assertThatThrownBy(() -> app.verify(name)).hasMessageContaining("does not match its signature");
            assertThat(restored).doesNotExist();
        }
        // Without a public key, nothing changes: the manifest is read as it is (restore does not use its row count).
        try (BackupApplication app = BackupApplication.start(restoring("file:" + backups, null))) {
            app.restore(name, "sqlite:" + restored, false, 1);
            assertThat(DatabaseSnapshot.of(restored)).isEqualTo(DatabaseSnapshot.of(db));
            Files.delete(restored);
        }
        Files.write(manifest, good);

        try (BackupApplication app = BackupApplication.start(restoring("file:" + backups, keys.publicPemText()))) {
            // No signature.
            Files.delete(signature);
            assertThatThrownBy(() -> app.restore(name, "sqlite:" + restored, false, 1))
                    .hasMessageContaining("the manifest of " + name + " is not signed");
            assertThatThrownBy(() -> app.verify(name)).hasMessageContaining("is not signed");
            // Another key's signature of the same bytes.
            Files.write(signature, signWith(other, manifest));
            assertThatThrownBy(() -> app.restore(name, "sqlite:" + restored, false, 1))
                    .hasMessageContaining("does not match its signature");
            Files.write(signature, goodSignature);
            // The whole signed backup copied under another backup's name.
            String renamed = name.replaceFirst("-(\\d{8}T\\d{6}Z)", "-20000101T000000Z");
            Files.copy(backups.resolve(name), backups.resolve(renamed));
            Files.copy(manifest, backups.resolve(renamed + Manifest.SUFFIX));
            Files.copy(signature, backups.resolve(renamed + Manifest.SIGNATURE_SUFFIX));
            assertThatThrownBy(() -> app.restore(renamed, "sqlite:" + restored, false, 1))
                    .hasMessageContaining("describes " + name + ", not " + renamed);
            // A backup with no manifest at all.
            Path bare = Files.createDirectories(tmp.resolve("bare")).resolve(name);
            Files.copy(backups.resolve(name), bare);
            assertThatThrownBy(() -> app.restore(bare.toString(), "sqlite:" + restored, false, 1))
                    .hasMessageContaining("no manifest beside " + name);
            assertThat(restored).doesNotExist();
            // The untouched backup still restores.
            app.restore(name, "sqlite:" + restored, false, 1);
            assertThat(DatabaseSnapshot.of(restored)).isEqualTo(DatabaseSnapshot.of(db));
        }

        // The command line: one line, exit 1.
        Files.write(signature, signWith(other, manifest));
        Path config = tmp.resolve("restore.properties");
        Files.writeString(config, "backup.target=file:" + backups + "\nencryption.key=" + KEY + "\nmanifest.public.key="
                + keys.publicPem() + "\nbackup.work.dir=" + tmp.resolve("work") + "\n");
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        CommandLine cli = BackupCli.commandLine();
        cli.setOut(new PrintWriter(out, true));
        cli.setErr(new PrintWriter(err, true));
        assertThat(cli.execute("verify", name, "--config", config.toString())).isEqualTo(1);
        assertThat(err.toString().strip()).startsWith("camel-d1-backup: the manifest of " + name + " does not match")
                .doesNotContain("\n").doesNotContain("PRIVATE KEY").doesNotContain("PUBLIC KEY");
        assertThat(cli.execute("restore", name, "--to", "sqlite:" + tmp.resolve("cli.db"), "--config", config.toString()))
                .isEqualTo(1);
        assertThat(tmp.resolve("cli.db")).doesNotExist();
    }

    @Test
    void signedBackupsInS3ProxyRestoreAreRefusedWhenAlteredAndPruneTakesTheirSignatures() throws Exception {
        try (S3ProxyServer s3 = new S3ProxyServer()) {
            s3.createBucket("signed");
            Path db = Fixtures.create("schema_zoo", tmp);
            SigningKeys.Pair keys = SigningKeys.make(tmp.resolve("keys"), "manifest");
            Map<String, String> settings = signing(s3.settings(Backups.sqlite(db)), keys);
            settings.put("backup.target", "r2:signed");
            BackupResult first = Backups.run(settings, tmp.resolve("unused"));
            Backups.awaitNextName(first);
            BackupResult second = Backups.run(settings, tmp.resolve("unused"));
            String older = name(first);
            String newer = name(second);
            assertThat(s3.keys("signed")).containsExactlyInAnyOrder(older, older + Manifest.SUFFIX,
                    older + Manifest.SIGNATURE_SUFFIX, newer, newer + Manifest.SUFFIX, newer + Manifest.SIGNATURE_SUFFIX);
            Path manifest = tmp.resolve("m.json");
            Path signature = tmp.resolve("m.sig");
            Files.write(manifest, s3.get("signed", newer + Manifest.SUFFIX));
            Files.write(signature, s3.get("signed", newer + Manifest.SIGNATURE_SUFFIX));
            if (SigningKeys.opensslInstalled()) {
                assertThat(SigningKeys.opensslVerifies(keys.publicPem(), manifest, signature)).isTrue();
            }

            Map<String, String> restoring = s3.settings(restoring("r2:signed", keys.publicPemText()));
            try (BackupApplication app = BackupApplication.start(restoring)) {
                assertThat(app.list(app.settings().primaryTarget())).extracting(Manifest::object)
                        .containsExactly(newer, older);
                Path restored = tmp.resolve("restored.db");
                app.restore(newer, "sqlite:" + restored, false, 1);
                assertThat(DatabaseSnapshot.of(restored)).isEqualTo(DatabaseSnapshot.of(db));
                assertThat(app.verify(older).ok()).isTrue();

                byte[] altered = tampered(s3.get("signed", older + Manifest.SUFFIX));
                s3.client().putObject(b -> b.bucket("signed").key(older + Manifest.SUFFIX), RequestBody.fromBytes(altered));
                assertThatThrownBy(() -> app.verify(older)).hasMessageContaining("does not match its signature");
                s3.client().deleteObject(b -> b.bucket("signed").key(newer + Manifest.SIGNATURE_SUFFIX));
                assertThatThrownBy(() -> app.restore(newer, "sqlite:" + tmp.resolve("again.db"), false, 1))
                        .hasMessageContaining("is not signed");
                assertThat(tmp.resolve("again.db")).doesNotExist();
            }

            // Retention takes a backup's signature with it; the kept one keeps its own.
            s3.client().putObject(b -> b.bucket("signed").key(newer + Manifest.SIGNATURE_SUFFIX),
                    RequestBody.fromBytes(Files.readAllBytes(signature)));
            Map<String, String> pruning = new HashMap<>(settings);
            pruning.put("retention.keep.last", "1");
            pruning.put("retention.keep.daily", "0");
            pruning.put("retention.keep.weekly", "0");
            pruning.put("retention.keep.monthly", "0");
            pruning.put("retention.min.age", "PT0S");
            try (BackupApplication app = BackupApplication.start(pruning)) {
                assertThat(app.prune(false).deleted()).containsExactly(older);
            }
            assertThat(s3.keys("signed")).containsExactlyInAnyOrder(newer, newer + Manifest.SUFFIX,
                    newer + Manifest.SIGNATURE_SUFFIX);
        }
    }

    @Test
    void malformedKeysStopStartUpNamingTheSettingAndNeverEchoingIt() throws Exception {
        SigningKeys.Pair keys = SigningKeys.make(tmp.resolve("keys"), "manifest");
        String privatePem = Files.readString(keys.privatePem());
        Map<String, String> base = restoring("file:" + tmp.resolve("backups"), null);
        // The private key where the public key belongs, and the other way round.
        Map<String, String> swapped = new HashMap<>(base);
        swapped.put("manifest.public.key", privatePem);
        assertThatThrownBy(() -> BackupApplication.start(swapped)).hasMessageContaining("MANIFEST_PUBLIC_KEY")
                .hasMessageContaining("openssl pkey").satisfies(e -> assertThat(e.getMessage()).doesNotContain(
                        privatePem.lines().skip(1).findFirst().orElseThrow()));
        Map<String, String> wrongWay = new HashMap<>(base);
        wrongWay.put("manifest.signing.key", keys.publicPemText());
        assertThatThrownBy(() -> BackupApplication.start(wrongWay)).hasMessageContaining("MANIFEST_SIGNING_KEY")
                .hasMessageContaining("openssl genpkey");
        Map<String, String> missing = new HashMap<>(base);
        missing.put("manifest.signing.key", tmp.resolve("nope.pem").toString());
        assertThatThrownBy(() -> BackupApplication.start(missing)).hasMessageContaining("MANIFEST_SIGNING_KEY")
                .hasMessageContaining("neither PEM nor a file");
        // Another algorithm's key in the right PEM form.
        Path ec = tmp.resolve("ec.pem");
        java.security.KeyPairGenerator g = java.security.KeyPairGenerator.getInstance("EC");
        Files.writeString(ec, "-----BEGIN PRIVATE KEY-----\n" + java.util.Base64.getMimeEncoder().encodeToString(
                g.generateKeyPair().getPrivate().getEncoded()) + "\n-----END PRIVATE KEY-----\n");
        Map<String, String> otherAlgorithm = new HashMap<>(base);
        otherAlgorithm.put("manifest.signing.key", ec.toString());
        assertThatThrownBy(() -> BackupApplication.start(otherAlgorithm)).hasMessageContaining("not an Ed25519 private key");
        // A PEM pasted into one line with its breaks as \n works.
        Map<String, String> oneLine = new HashMap<>(base);
        oneLine.put("manifest.signing.key", privatePem.strip().replace("\n", "\\n"));
        try (BackupApplication app = BackupApplication.start(oneLine)) {
            assertThat(app.settings().manifestSigningKey()).isPresent();
        }
    }

    /** The Ed25519 signature of a file's bytes with another key pair's private key (openssl or the JDK). */
    private static byte[] signWith(SigningKeys.Pair keys, Path file) throws Exception {
        String pem = Files.readString(keys.privatePem());
        byte[] der = java.util.Base64.getMimeDecoder().decode(pem.replaceAll("-----[A-Z ]+-----", "").strip());
        var key = java.security.KeyFactory.getInstance("Ed25519").generatePrivate(
                new java.security.spec.PKCS8EncodedKeySpec(der));
        var s = java.security.Signature.getInstance("Ed25519");
        s.initSign(key);
        s.update(Files.readAllBytes(file));
        return s.sign();
    }
}
