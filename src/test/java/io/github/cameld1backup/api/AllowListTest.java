package io.github.cameld1backup.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.github.cameld1backup.config.BackupSettings;
import java.io.ByteArrayInputStream;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** BACKUP_API_ALLOW's matching: addresses, ranges and github-actions, and GitHub meta answers taken or refused. */
class AllowListTest {

    @Test
    void rangesMatchExactlyTheAddressesTheirPrefixesCover() {
        AllowList allow = AllowList.parse(List.of("203.0.113.7", "10.0.0.0/8", "192.168.1.77/24", "2001:db8::/32",
                "fe80::1"), null);
        assertThat(allow.admits("203.0.113.7")).isTrue();
        assertThat(allow.admits("203.0.113.8")).isFalse();
        assertThat(allow.admits("10.0.0.0")).isTrue();
        assertThat(allow.admits("10.255.255.255")).isTrue();
        assertThat(allow.admits("11.0.0.0")).isFalse();
        assertThat(allow.admits("9.255.255.255")).isFalse();
        // host bits in a range are ignored, as the range 192.168.1.0/24
        assertThat(allow.admits("192.168.1.0")).isTrue();
        assertThat(allow.admits("192.168.1.255")).isTrue();
        assertThat(allow.admits("192.168.2.0")).isFalse();
        assertThat(allow.admits("2001:db8:ffff:ffff:ffff:ffff:ffff:ffff")).isTrue();
        assertThat(allow.admits("2001:db9::")).isFalse();
        assertThat(allow.admits("fe80::1")).isTrue();
        assertThat(allow.admits("fe80::2")).isFalse();
        // An IPv4 client seen on a dual-stack socket
        assertThat(allow.admits("::ffff:10.1.2.3")).isTrue();
        // Names are never looked up; anything that is not an address literal is refused
        assertThat(allow.admits("localhost")).isFalse();
        assertThat(allow.admits("beef")).isFalse();
        assertThat(allow.admits("unknown")).isFalse();
        assertThat(allow.admits(null)).isFalse();
    }

    @Test
    void anEmptyListAdmitsEveryoneAndMalformedEntriesStopStartUp() {
        assertThat(AllowList.parse(List.of(), null).admits("198.51.100.1")).isTrue();
        for (String bad : List.of("10.0.0.0/33", "10.0.0.0/-1", "example.com", "10.0.0.0/8/8", "2001:db8::/129",
                "github", "beef", "10.1", "010.0.0.1")) {
            assertThatThrownBy(() -> AllowList.parse(List.of(bad), null)).isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("BACKUP_API_ALLOW").hasMessageContaining(bad);
        }
    }

    @Test
    void githubActionsAdmitsNobodyUntilAGoodListArrivesThenItsRanges() throws Exception {
        GithubActionsRanges github = new GithubActionsRanges(true, "http://127.0.0.1:1/meta", Duration.ofDays(1),
                Duration.ofMinutes(5), Clock.systemUTC(), null);
        AllowList allow = AllowList.parse(List.of("github-actions", "203.0.113.7"), github);
        assertThat(allow.admits("4.148.0.1")).isFalse();
        assertThat(allow.admits("127.0.0.1")).isFalse();
        assertThat(allow.admits("203.0.113.7")).as("the other entries still admit").isTrue();
        assertThat(github.due()).isTrue();

        github.update(answer("{\"actions\":[\"4.148.0.0/16\",\"2a01:111:f403::/48\"],\"web\":[\"127.0.0.1/32\"]}"));
        assertThat(allow.admits("4.148.255.255")).isTrue();
        assertThat(allow.admits("2a01:111:f403:1::1")).isTrue();
        assertThat(allow.admits("127.0.0.1")).as("only the actions ranges, not GitHub's other services").isFalse();
        assertThat(github.due()).as("next fetch after the refresh interval").isFalse();
        assertThat(github.current().size()).isEqualTo(2);
    }

    @Test
    void aMalformedMetaAnswerIsRefusedWholeAndTheLastGoodListStays() throws Exception {
        GithubActionsRanges github = new GithubActionsRanges(true, "http://127.0.0.1:1/meta", Duration.ofDays(1),
                Duration.ofMinutes(5), Clock.systemUTC(), null);
        github.update(answer("{\"actions\":[\"4.148.0.0/16\"]}"));
        for (String bad : List.of("<html>rate limited</html>", "[\"4.148.0.0/16\"]", "{}", "{\"actions\":\"4.0.0.0/8\"}",
                "{\"actions\":[]}", "{\"actions\":[\"4.0.0.0/8\", 7]}", "{\"actions\":[\"4.0.0.0/8\",\"10.0.0.0/33\"]}",
                "{\"actions\":[\"4.0.0.0/8\",\"runner.example.com\"]}", "{\"actions\":[\"4.0.0.0/8\"", "")) {
            assertThatThrownBy(() -> github.update(answer(bad))).as(bad).isInstanceOf(IllegalArgumentException.class);
            assertThat(github.current().size()).as(bad).isEqualTo(1);
            assertThat(github.current().contains("4.148.0.1")).as(bad).isTrue();
            assertThat(github.current().contains("4.0.0.1")).as(bad).isFalse();
        }
        byte[] huge = new byte[GithubActionsRanges.MAX_ANSWER_BYTES + 1];
        assertThatThrownBy(() -> github.update(new ByteArrayInputStream(huge))).hasMessageContaining("over");
        assertThat(github.current().contains("4.148.0.1")).isTrue();
    }

    @Test
    void theMetaSettingsAreCheckedAtStartUpWhenGithubActionsIsListed() {
        assertThatThrownBy(() -> github(Map.of("backup.api.allow", "github-actions",
                "backup.api.github.meta.url", "ftp://example.com/meta"))).hasMessageContaining("BACKUP_API_GITHUB_META_URL");
        assertThatThrownBy(() -> github(Map.of("backup.api.allow", "github-actions",
                "backup.api.github.meta.refresh", "daily"))).hasMessageContaining("BACKUP_API_GITHUB_META_REFRESH");
        assertThatThrownBy(() -> github(Map.of("backup.api.github.meta.retry", "PT0S")))
                .hasMessageContaining("BACKUP_API_GITHUB_META_RETRY").hasMessageContaining("positive");
        GithubActionsRanges defaults = github(Map.of("backup.api.allow", "10.0.0.0/8, github-actions"));
        assertThat(defaults.url()).isEqualTo("https://api.github.com/meta");
        assertThat(defaults.due()).isTrue();
        assertThat(github(Map.of("backup.api.allow", "10.0.0.0/8")).due()).as("not listed: never fetched").isFalse();
    }

    private static GithubActionsRanges github(Map<String, String> settings) {
        Properties defaults = BackupSettings.defaults();
        return GithubActionsRanges.from(BackupSettings.resolve(k -> Optional.ofNullable(settings.getOrDefault(k,
                defaults.getProperty(k)))), Clock.systemUTC(), null);
    }

    /**
     * Thousands of random, overlapping and adjacent ranges of both families: the precomputed lookup answers
     * exactly as comparing every range's prefix bits one by one does, at every range's edges and at random.
     */
    @Test
    void thePrecomputedLookupAgreesWithAPrefixByPrefixComparison() throws Exception {
        Random random = new Random(18);
        List<AddressRanges.Cidr> cidrs = new ArrayList<>();
        for (int i = 0; i < 3000; i++) {
            byte[] a = new byte[4];
            random.nextBytes(a);
            a[0] = (byte) (random.nextInt(4) + 20); // crowded: ranges overlap and touch
            cidrs.add(new AddressRanges.Cidr(a, 14 + random.nextInt(19)));
        }
        for (int i = 0; i < 2000; i++) {
            byte[] a = new byte[16];
            random.nextBytes(a);
            a[0] = 0x2a;
            a[1] = (byte) random.nextInt(3);
            cidrs.add(new AddressRanges.Cidr(a, 20 + random.nextInt(109)));
        }
        AddressRanges ranges = AddressRanges.of(cidrs);
        assertThat(ranges.size()).isEqualTo(5000);
        List<byte[]> probes = new ArrayList<>();
        for (AddressRanges.Cidr c : cidrs) {
            byte[] first = c.network().clone();
            byte[] last = c.network().clone();
            for (int i = c.bits(); i < first.length * 8; i++) {
                first[i / 8] &= (byte) ~(0x80 >> (i % 8));
                last[i / 8] |= (byte) (0x80 >> (i % 8));
            }
            probes.add(first);
            probes.add(last);
            probes.add(step(first, -1));
            probes.add(step(last, 1));
        }
        for (int i = 0; i < 20000; i++) {
            byte[] a = new byte[i % 2 == 0 ? 4 : 16];
            random.nextBytes(a);
            a[0] = i % 2 == 0 ? (byte) (random.nextInt(6) + 19) : 0x2a;
            if (a.length == 16) {
                a[1] = (byte) random.nextInt(3);
            }
            probes.add(a);
        }
        int inside = 0;
        for (byte[] probe : probes) {
            boolean expected = cidrs.stream().anyMatch(c -> covers(c, probe));
            assertThat(ranges.contains(probe)).as(InetAddress.getByAddress(probe).getHostAddress()).isEqualTo(expected);
            assertThat(ranges.contains(InetAddress.getByAddress(probe).getHostAddress())).isEqualTo(expected);
            inside += expected ? 1 : 0;
        }
        assertThat(inside).as("the probes hit ranges and miss them").isBetween(probes.size() / 10, probes.size() * 9 / 10);
    }

    private static boolean covers(AddressRanges.Cidr c, byte[] address) {
        if (address.length != c.network().length) {
            return false;
        }
        for (int i = 0; i < c.bits(); i++) {
            int mask = 0x80 >> (i % 8);
            if ((address[i / 8] & mask) != (c.network()[i / 8] & mask)) {
                return false;
            }
        }
        return true;
    }

    /** The address one before or after (wrapping at the ends of the family). */
    private static byte[] step(byte[] address, int by) {
        byte[] out = address.clone();
        for (int i = out.length - 1; i >= 0; i--) {
            int v = (out[i] & 0xFF) + by;
            out[i] = (byte) v;
            if (v >= 0 && v <= 0xFF) {
                break;
            }
        }
        return out;
    }

    private static ByteArrayInputStream answer(String json) {
        return new ByteArrayInputStream(json.getBytes(StandardCharsets.UTF_8));
    }
}
