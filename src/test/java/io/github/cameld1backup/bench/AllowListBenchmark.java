package io.github.cameld1backup.bench;

import io.github.cameld1backup.api.AddressRanges;
import io.github.cameld1backup.api.GithubActionsRanges;
import java.io.ByteArrayInputStream;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

/**
 * For bench/allowlist.sh: BACKUP_API_ALLOW=github-actions with a meta answer of N ranges (GitHub's Actions
 * list has some thousands, IPv4 and IPv6): how long one answer takes to parse and precompute, and what one
 * request's check costs (address literal parsed, then the lookup), next to comparing every range's prefix
 * in turn (how the allow-list was checked before).
 */
public final class AllowListBenchmark {

    public static void main(String[] args) throws Exception {
        int n = args.length > 0 ? Integer.parseInt(args[0]) : 5000;
        Random random = new Random(18);
        List<String> ranges = new ArrayList<>();
        StringBuilder json = new StringBuilder("{\"actions\":[");
        for (int i = 0; i < n; i++) {
            String range = i % 3 == 2
                    ? String.format("2a01:%x:%x::/%d", random.nextInt(0x10000), random.nextInt(0x10000), 32 + random.nextInt(33))
                    : (4 + random.nextInt(200)) + "." + random.nextInt(256) + "." + random.nextInt(256) + ".0/"
                            + (16 + random.nextInt(13));
            ranges.add(range);
            json.append(i == 0 ? "" : ",").append('"').append(range).append('"');
        }
        byte[] answer = json.append("]}").toString().getBytes(StandardCharsets.UTF_8);
        List<String> clients = new ArrayList<>();
        for (int i = 0; i < 100_000; i++) {
            clients.add(i % 3 == 2 ? String.format("2a01:%x:%x::%x", random.nextInt(0x10000), random.nextInt(0x10000),
                    random.nextInt(0x10000)) : (4 + random.nextInt(200)) + "." + random.nextInt(256) + "."
                    + random.nextInt(256) + "." + random.nextInt(256));
        }

        GithubActionsRanges github = new GithubActionsRanges(true, "http://127.0.0.1/", Duration.ofDays(1),
                Duration.ofMinutes(5), Clock.systemUTC(), null);
        long parse = Long.MAX_VALUE;
        for (int round = 0; round < 20; round++) {
            long t = System.nanoTime();
            github.update(new ByteArrayInputStream(answer));
            parse = Math.min(parse, System.nanoTime() - t);
        }
        AddressRanges lookup = github.current();
        List<AddressRanges.Cidr> cidrs = ranges.stream().map(AddressRanges.Cidr::parse).toList();

        int hits = 0;
        long precomputed = Long.MAX_VALUE;
        for (int round = 0; round < 10; round++) {
            long t = System.nanoTime();
            hits = 0;
            for (String c : clients) {
                hits += lookup.contains(c) ? 1 : 0;
            }
            precomputed = Math.min(precomputed, System.nanoTime() - t);
        }
        int linearHits = 0;
        long linear = Long.MAX_VALUE;
        for (int round = 0; round < 3; round++) {
            long t = System.nanoTime();
            linearHits = 0;
            for (String c : clients) {
                byte[] a = InetAddress.getByName(c).getAddress();
                linearHits += cidrs.stream().anyMatch(r -> covers(r, a)) ? 1 : 0;
            }
            linear = Math.min(linear, System.nanoTime() - t);
        }
        if (hits != linearHits) {
            throw new IllegalStateException("the lookups disagree: " + hits + " vs " + linearHits);
        }
        System.out.printf("%d ranges (answer %d KB): parsed and precomputed in %.1f ms (best of 20)%n", n,
                answer.length / 1024, parse / 1e6);
        System.out.printf("one request's check: %.0f ns precomputed, %.0f ns comparing every range (%.0fx); %d of %d"
                        + " clients admitted%n", precomputed / (double) clients.size(), linear / (double) clients.size(),
                (double) linear / precomputed, hits, clients.size());
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
}
