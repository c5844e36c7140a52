package io.github.cameld1backup.api;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * A fixed set of address ranges (CIDRs such as {@code 10.0.0.0/8} or {@code 2001:db8::/32}, or single
 * addresses), precomputed for lookups: each family's ranges sorted by first address and merged where
 * they overlap or touch, so {@link #contains} is one binary search whatever their number (GitHub's
 * Actions list has thousands). Immutable, so a refreshed list is swapped in whole.
 */
public final class AddressRanges {

    /** Dotted-quad IPv4 only: InetAddress would also take "10.1" or, as a name to look up, "beef". */
    private static final String OCTET = "(25[0-5]|2[0-4]\\d|1\\d\\d|[1-9]?\\d)";
    private static final Pattern IPV4 = Pattern.compile("(" + OCTET + "\\.){3}" + OCTET);
    /** IPv6 (possibly with an IPv4 tail): InetAddress parses anything with a colon as a literal, never a name. */
    private static final Pattern IPV6 = Pattern.compile("[0-9a-fA-F:.]*:[0-9a-fA-F:.]*");
    public static final AddressRanges NONE = of(List.of());

    /** Merged IPv4 ranges: first and last address as unsigned 32-bit values in longs. */
    private final long[] v4First;
    private final long[] v4Last;
    /** Merged IPv6 ranges: first and last address as high and low 64 bits, compared unsigned. */
    private final long[] v6FirstHigh;
    private final long[] v6FirstLow;
    private final long[] v6LastHigh;
    private final long[] v6LastLow;
    private final int cidrs;

    private AddressRanges(List<long[]> v4, List<long[]> v6, int cidrs) {
        v4First = v4.stream().mapToLong(r -> r[0]).toArray();
        v4Last = v4.stream().mapToLong(r -> r[1]).toArray();
        v6FirstHigh = v6.stream().mapToLong(r -> r[0]).toArray();
        v6FirstLow = v6.stream().mapToLong(r -> r[1]).toArray();
        v6LastHigh = v6.stream().mapToLong(r -> r[2]).toArray();
        v6LastLow = v6.stream().mapToLong(r -> r[3]).toArray();
        this.cidrs = cidrs;
    }

    /** An address range: the address with its first {@code bits} bits kept (all of them for a single address). */
    public record Cidr(byte[] network, int bits) {

        /**
         * {@code 203.0.113.7}, {@code 10.0.0.0/8}, {@code 2001:db8::/32}; only address literals (never a name
         * lookup). A malformed one fails with an {@link IllegalArgumentException} naming it.
         */
        public static Cidr parse(String text) {
            String[] parts = text.trim().split("/", 2);
            try {
                byte[] address = literal(parts[0]).orElseThrow(IllegalArgumentException::new);
                int bits = parts.length == 2 ? Integer.parseInt(parts[1]) : address.length * 8;
                if (bits < 0 || bits > address.length * 8) {
                    throw new IllegalArgumentException();
                }
                return new Cidr(address, bits);
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("'" + text + "' is no address or range such as 203.0.113.7,"
                        + " 10.0.0.0/8 or 2001:db8::/32");
            }
        }
    }

    /** The ranges of these CIDRs. */
    public static AddressRanges of(Collection<Cidr> cidrs) {
        List<long[]> v4 = new ArrayList<>();
        List<long[]> v6 = new ArrayList<>();
        for (Cidr c : cidrs) {
            byte[] first = c.network().clone();
            byte[] last = c.network().clone();
            for (int i = c.bits(); i < first.length * 8; i++) {
                int mask = 0x80 >> (i % 8);
                first[i / 8] &= (byte) ~mask;
                last[i / 8] |= (byte) mask;
            }
            if (first.length == 4) {
                v4.add(new long[] {toLong(first, 0, 4), toLong(last, 0, 4)});
            } else {
                v6.add(new long[] {toLong(first, 0, 8), toLong(first, 8, 8), toLong(last, 0, 8), toLong(last, 8, 8)});
            }
        }
        return new AddressRanges(merge(v4, 1), merge(v6, 2), cidrs.size());
    }

    /** Whether an address (a literal, as the server reports the client) lies in one of the ranges. */
    public boolean contains(String host) {
        return literal(host).map(this::contains).orElse(false);
    }

    /** The bytes of an address literal; empty for anything else (a name is never looked up). */
    public static Optional<byte[]> literal(String host) {
        if (host == null || !(IPV4.matcher(host).matches() || IPV6.matcher(host).matches())) {
            return Optional.empty();
        }
        try {
            return Optional.of(InetAddress.getByName(host).getAddress());
        } catch (UnknownHostException e) {
            return Optional.empty();
        }
    }

    /** Whether an address of 4 or 16 bytes lies in one of the ranges. */
    public boolean contains(byte[] address) {
        if (address.length == 4) {
            long a = toLong(address, 0, 4);
            int i = lastAtOrBefore(v4First.length, k -> Long.compare(v4First[k], a));
            return i >= 0 && a <= v4Last[i];
        }
        if (address.length == 16) {
            long high = toLong(address, 0, 8);
            long low = toLong(address, 8, 8);
            int i = lastAtOrBefore(v6FirstHigh.length, k -> compare(v6FirstHigh[k], v6FirstLow[k], high, low));
            return i >= 0 && compare(high, low, v6LastHigh[i], v6LastLow[i]) <= 0;
        }
        return false;
    }

    /** How many CIDRs the set was made of. */
    public int size() {
        return cidrs;
    }

    public boolean isEmpty() {
        return cidrs == 0;
    }

    /** The index of the last range whose first address is at or before the address ({@code cmp}: range vs address), or -1. */
    private static int lastAtOrBefore(int n, java.util.function.IntUnaryOperator cmp) {
        int lo = 0;
        int hi = n - 1;
        int found = -1;
        while (lo <= hi) {
            int mid = (lo + hi) >>> 1;
            if (cmp.applyAsInt(mid) <= 0) {
                found = mid;
                lo = mid + 1;
            } else {
                hi = mid - 1;
            }
        }
        return found;
    }

    /**
     * Sorted by first address, then overlapping or adjacent ranges joined, so at most one range can hold
     * an address. {@code words}: 1 (IPv4: first, last) or 2 (IPv6: first high, low, last high, low).
     */
    private static List<long[]> merge(List<long[]> ranges, int words) {
        Comparator<long[]> byFirst = words == 1 ? Comparator.comparingLong(r -> r[0])
                : (a, b) -> compare(a[0], a[1], b[0], b[1]);
        ranges.sort(byFirst);
        List<long[]> out = new ArrayList<>();
        for (long[] r : ranges) {
            long[] previous = out.isEmpty() ? null : out.get(out.size() - 1);
            if (previous != null && touches(previous, r, words)) {
                if (words == 1 ? r[1] > previous[1] : compare(r[2], r[3], previous[2], previous[3]) > 0) {
                    System.arraycopy(r, words, previous, words, words); // extend previous to r's last address
                }
            } else {
                out.add(Arrays.copyOf(r, r.length));
            }
        }
        return out;
    }

    /** Whether {@code next} (not before {@code previous}) starts at most one address after {@code previous} ends. */
    private static boolean touches(long[] previous, long[] next, int words) {
        if (words == 1) {
            return next[0] <= previous[1] + 1;
        }
        // previous last + 1, in 128 bits (the very last address wraps: anything touches it)
        long low = previous[3] + 1;
        long high = low == 0 ? previous[2] + 1 : previous[2];
        boolean wrapped = previous[2] == -1L && previous[3] == -1L;
        return wrapped || compare(next[0], next[1], high, low) <= 0;
    }

    private static int compare(long aHigh, long aLow, long bHigh, long bLow) {
        int c = Long.compareUnsigned(aHigh, bHigh);
        return c != 0 ? c : Long.compareUnsigned(aLow, bLow);
    }

    private static long toLong(byte[] b, int from, int length) {
        long v = 0;
        for (int i = from; i < from + length; i++) {
            v = (v << 8) | (b[i] & 0xFF);
        }
        return v;
    }
}
