package io.github.cameld1backup.retention;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.cameld1backup.retention.RetentionPolicy.Backup;
import io.github.cameld1backup.retention.RetentionPolicy.Decision;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class RetentionPolicyTest {

    static final ZoneId UTC = ZoneId.of("UTC");

    static RetentionPolicy policy(int last, int daily, int weekly, int monthly, int yearly) {
        return new RetentionPolicy(last, daily, weekly, monthly, yearly, Duration.ZERO, Duration.ofHours(1), UTC);
    }

    static Backup at(String time) {
        return new Backup("db-" + time.replaceAll("[-:]", "") + ".sql.gz", Instant.parse(time));
    }

    static List<String> kept(List<Decision> decisions) {
        return decisions.stream().filter(Decision::keep).map(d -> d.backup().time().toString()).toList();
    }

    /** A daily backup at 03:00 for 400 days: 7 daily, 4 weekly, 12 monthly, newest always. */
    @Test
    void aYearOfDailyBackups() {
        List<Backup> history = new ArrayList<>();
        Instant start = Instant.parse("2025-10-20T03:00:00Z");
        for (int d = 0; d < 400; d++) {
            history.add(new Backup("db-" + d + ".sql.gz", start.plus(Duration.ofDays(d))));
        }
        Instant now = start.plus(Duration.ofDays(399)).plus(Duration.ofHours(2));
        List<Decision> decisions = policy(1, 7, 4, 12, 0).decide(history, now);
        List<String> kept = kept(decisions);
        // 7 days; of the 4 weeks, W48 and W47 are covered by those days, so 2 more Sundays (11-15, 11-08);
        // of the 12 months, November is covered, so 11 more months' last days.
        assertThat(kept).hasSize(7 + 2 + 11);
        assertThat(kept).contains("2026-11-15T03:00:00Z", "2026-11-08T03:00:00Z").doesNotContain("2026-11-01T03:00:00Z");
        assertThat(kept.get(0)).isEqualTo("2026-11-23T03:00:00Z");
        assertThat(kept).contains("2026-11-17T03:00:00Z").doesNotContain("2026-11-16T03:00:00Z");
        assertThat(kept).contains("2026-10-31T03:00:00Z", "2025-12-31T03:00:00Z");
        assertThat(decisions.get(0).reasons()).contains("newest", "daily 2026-11-23", "monthly 2026-11");
    }

    @Test
    void gapsCostNoSlotAndSameDayRunsKeepOnlyTheNewestOfTheDay() {
        List<Backup> history = List.of(at("2026-11-01T01:00:00Z"), at("2026-11-01T13:00:00Z"), at("2026-11-01T23:59:00Z"),
                at("2026-11-10T03:00:00Z"), at("2026-11-20T03:00:00Z"), at("2026-11-20T04:00:00Z"));
        List<Decision> decisions = policy(0, 3, 0, 0, 0).decide(history, Instant.parse("2026-11-22T00:00:00Z"));
        assertThat(kept(decisions)).containsExactly("2026-11-20T04:00:00Z", "2026-11-10T03:00:00Z", "2026-11-01T23:59:00Z");
    }

    @Test
    void daysAreThoseOfTheConfiguredTimeZone() {
        // 23:30 UTC on the 1st is already the 2nd in Tokyo: one day in UTC, two in Tokyo.
        List<Backup> history = List.of(at("2026-03-01T10:00:00Z"), at("2026-03-01T23:30:00Z"));
        Instant now = Instant.parse("2026-03-05T00:00:00Z");
        RetentionPolicy utc = policy(0, 7, 0, 0, 0);
        RetentionPolicy tokyo = new RetentionPolicy(0, 7, 0, 0, 0, Duration.ZERO, Duration.ofHours(1), ZoneId.of("Asia/Tokyo"));
        assertThat(kept(utc.decide(history, now))).containsExactly("2026-03-01T23:30:00Z");
        assertThat(kept(tokyo.decide(history, now))).containsExactly("2026-03-01T23:30:00Z", "2026-03-01T10:00:00Z");
    }

    @Test
    void yearAndIsoWeekBoundaries() {
        // 2026-12-31 (Thursday) and 2027-01-01 are in ISO week 2026-W53; 2026-12-28 too.
        List<Backup> history = List.of(at("2026-12-28T03:00:00Z"), at("2026-12-31T03:00:00Z"), at("2027-01-01T03:00:00Z"),
                at("2027-01-04T03:00:00Z"));
        Instant now = Instant.parse("2027-01-10T00:00:00Z");
        assertThat(kept(policy(0, 0, 2, 0, 0).decide(history, now)))
                .containsExactly("2027-01-04T03:00:00Z", "2027-01-01T03:00:00Z");
        assertThat(kept(policy(0, 0, 0, 0, 2).decide(history, now)))
                .containsExactly("2027-01-04T03:00:00Z", "2026-12-31T03:00:00Z");
    }

    @Test
    void neverTheNewestNorAnythingYoungerThanTheMinimumAgeAndKeepWithin() {
        List<Backup> history = List.of(at("2026-11-22T10:00:00Z"), at("2026-11-22T10:10:00Z"), at("2026-11-22T10:50:00Z"),
                at("2026-11-20T10:00:00Z"));
        Instant now = Instant.parse("2026-11-22T11:05:00Z");
        assertThat(kept(policy(0, 0, 0, 0, 0).decide(history, now)))
                .containsExactly("2026-11-22T10:50:00Z", "2026-11-22T10:10:00Z"); // newest; and 55 min old
        RetentionPolicy within = new RetentionPolicy(0, 0, 0, 0, 0, Duration.ofDays(1), Duration.ZERO, UTC);
        assertThat(kept(within.decide(history, now))).hasSize(3).doesNotContain("2026-11-20T10:00:00Z");
    }

    /** An incremental taken at {@code time} on top of {@code parent}. */
    static Backup incremental(String time, Backup parent) {
        Backup b = at(time);
        return new Backup(b.name(), b.time(), parent.name());
    }

    static Decision decision(List<Decision> decisions, Backup backup) {
        return decisions.stream().filter(d -> d.backup().name().equals(backup.name())).findFirst().orElseThrow();
    }

    @Test
    void keepingTheNewestIncrementalKeepsItsWholeChain() {
        Backup full = at("2026-11-01T03:00:00Z");
        Backup i1 = incremental("2026-11-02T03:00:00Z", full);
        Backup i2 = incremental("2026-11-03T03:00:00Z", i1);
        Backup i3 = incremental("2026-11-04T03:00:00Z", i2);
        List<Decision> decisions = policy(1, 0, 0, 0, 0).decide(List.of(full, i1, i2, i3), Instant.parse("2026-11-10T00:00:00Z"));
        assertThat(decisions).allMatch(Decision::keep).allMatch(d -> d.warning() == null);
        assertThat(decision(decisions, i3).reasons()).containsExactly("newest", "last 1");
        assertThat(decision(decisions, i2).reasons()).containsExactly("parent of kept incremental " + i3.name());
        assertThat(decision(decisions, i1).reasons()).containsExactly("parent of kept incremental " + i2.name());
        assertThat(decision(decisions, full).reasons()).containsExactly("parent of kept incremental " + i1.name());
    }

    @Test
    void aChainNoRuleKeepsGoesWhole() {
        // Chain A (Nov 1-3) and chain B (Nov 10-12), daily backups; keep the last 2 days only.
        Backup a = at("2026-11-01T03:00:00Z");
        Backup a1 = incremental("2026-11-02T03:00:00Z", a);
        Backup a2 = incremental("2026-11-03T03:00:00Z", a1);
        Backup b = at("2026-11-10T03:00:00Z");
        Backup b1 = incremental("2026-11-11T03:00:00Z", b);
        Backup b2 = incremental("2026-11-12T03:00:00Z", b1);
        List<Decision> decisions = policy(0, 2, 0, 0, 0).decide(List.of(a, a1, a2, b, b1, b2),
                Instant.parse("2026-11-20T00:00:00Z"));
        assertThat(kept(decisions)).containsExactly("2026-11-12T03:00:00Z", "2026-11-11T03:00:00Z", "2026-11-10T03:00:00Z");
        assertThat(decision(decisions, b1).reasons()).containsExactly("daily 2026-11-11", "parent of kept incremental " + b2.name());
        assertThat(decision(decisions, b).reasons()).containsExactly("parent of kept incremental " + b1.name());

        assertThat(decisions.stream().filter(d -> !d.keep()).map(d -> d.backup().name()))
                .containsExactly(a2.name(), a1.name(), a.name());
    }

    @Test
    void aKeptMiddleLinkKeepsItsAncestorsButNotItsDescendants() {
        Backup oct = at("2026-10-30T03:00:00Z");
        Backup oct1 = incremental("2026-10-31T03:00:00Z", oct);
        Backup nov1 = incremental("2026-11-01T03:00:00Z", oct1);
        Backup nov = at("2026-11-05T03:00:00Z");
        List<Decision> decisions = policy(1, 0, 0, 2, 0).decide(List.of(oct, oct1, nov1, nov),
                Instant.parse("2026-11-20T00:00:00Z"));
        assertThat(decision(decisions, oct1).reasons()).containsExactly("monthly 2026-10");
        assertThat(decision(decisions, oct).reasons()).containsExactly("parent of kept incremental " + oct1.name());
        assertThat(decision(decisions, nov1).keep()).isFalse();
    }

    @Test
    void twoChainsKeptByDifferentRulesAreEachKeptWhole() {
        Backup oct = at("2026-10-30T03:00:00Z");
        Backup oct1 = incremental("2026-10-31T03:00:00Z", oct);
        Backup nov = at("2026-11-01T03:00:00Z");
        Backup nov1 = incremental("2026-11-02T03:00:00Z", nov);
        Backup nov2 = incremental("2026-11-03T03:00:00Z", nov1);
        List<Decision> decisions = policy(1, 0, 0, 2, 0).decide(List.of(oct, oct1, nov, nov1, nov2),
                Instant.parse("2026-11-20T00:00:00Z"));
        assertThat(decisions).allMatch(Decision::keep);
        assertThat(decision(decisions, oct1).reasons()).containsExactly("monthly 2026-10");
        assertThat(decision(decisions, oct).reasons()).containsExactly("parent of kept incremental " + oct1.name());
        assertThat(decision(decisions, nov).reasons()).containsExactly("parent of kept incremental " + nov1.name());
    }

    @Test
    void anIncrementalWhoseParentIsMissingIsKeptAndSaysItCannotBeRestored() {
        Backup gone = at("2026-11-01T03:00:00Z"); // deleted by hand: not in the list
        Backup orphan = incremental("2026-11-02T03:00:00Z", gone);
        Backup next = incremental("2026-11-03T03:00:00Z", orphan);
        Backup full = at("2026-11-04T03:00:00Z");
        Backup newest = incremental("2026-11-05T03:00:00Z", full);
        List<Decision> decisions = policy(1, 0, 0, 0, 0).decide(List.of(orphan, next, full, newest),
                Instant.parse("2026-11-20T00:00:00Z"));
        assertThat(decision(decisions, orphan).reasons()).containsExactly("orphaned: its parent " + gone.name() + " is missing");
        assertThat(decision(decisions, orphan).warning())
                .isEqualTo("cannot be restored from this target: " + gone.name() + " (parent of " + orphan.name() + ") is missing");
        // Its descendant is no more restorable: no rule keeps it, it goes, and says why it was useless.
        assertThat(decision(decisions, next).keep()).isFalse();
        assertThat(decision(decisions, next).warning()).contains(gone.name());
        assertThat(decision(decisions, full).reasons()).containsExactly("parent of kept incremental " + newest.name());
        assertThat(decision(decisions, full).warning()).isNull();
    }
}
