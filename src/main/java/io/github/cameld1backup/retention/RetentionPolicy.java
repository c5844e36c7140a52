package io.github.cameld1backup.retention;

import io.github.cameld1backup.config.BackupSettings;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZonedDateTime;
import java.time.temporal.IsoFields;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.Deque;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;

/**
 * Grandfather-father-son retention: keep the last N backups, the newest backup of each of the last
 * D days, W weeks, M months and Y years that have backups (a gap costs no slot), everything within
 * a keep-within duration of the newest backup, and never the newest backup or one younger than the
 * minimum age. Days, weeks (ISO) and months are those of the configured time zone.
 *
 * <p>Chains stay whole: an incremental is restored on top of its parent, so every ancestor of a kept
 * backup is kept too ("parent of kept incremental NAME"). An incremental whose parent is not among the
 * backups (deleted by hand, or pruned by a version that did not know chains) cannot be restored from
 * this target alone; it is kept ("orphaned") since its parent may still be in another target, and it
 * and its descendants carry a warning saying so.
 */
public record RetentionPolicy(int last, int daily, int weekly, int monthly, int yearly, Duration keepWithin,
                              Duration minAge, ZoneId zone) {

    /** The retention policy of the settings (checked when first asked for: prune and the after-backup step). */
    public static RetentionPolicy from(BackupSettings settings) {
        int last = settings.retentionKeepLast();
        int daily = settings.retentionKeepDaily();
        int weekly = settings.retentionKeepWeekly();
        int monthly = settings.retentionKeepMonthly();
        int yearly = settings.retentionKeepYearly();
        Duration within = settings.retentionKeepWithin();
        Duration minAge = settings.retentionMinAge();
        return new RetentionPolicy(last, daily, weekly, monthly, yearly, within, minAge, settings.retentionTimeZone());
    }

    /** A backup as retention sees it; {@code parent}: the backup an incremental applies on top of (null: full). */
    public record Backup(String name, Instant time, String parent) {
        public Backup(String name, Instant time) {
            this(name, time, null);
        }
    }

    /**
     * The verdict on one backup, with every reason it is kept (none: it goes), and a warning when it
     * cannot be restored from this target (a link of its chain is missing; null otherwise).
     */
    public record Decision(Backup backup, List<String> reasons, String warning) {
        public Decision(Backup backup, List<String> reasons) {
            this(backup, reasons, null);
        }

        public boolean keep() {
            return !reasons.isEmpty();
        }
    }

    /** Decisions for all backups, newest first. */
    public List<Decision> decide(List<Backup> backups, Instant now) {
        List<Backup> sorted = backups.stream()
                .sorted(Comparator.comparing(Backup::time).thenComparing(Backup::name).reversed()).toList();
        Map<Backup, List<String>> reasons = new LinkedHashMap<>();
        sorted.forEach(b -> reasons.put(b, new ArrayList<>()));
        if (sorted.isEmpty()) {
            return List.of();
        }
        Instant newest = sorted.get(0).time();
        reasons.get(sorted.get(0)).add("newest");
        for (int i = 0; i < sorted.size(); i++) {
            Backup b = sorted.get(i);
            if (i < last) {
                reasons.get(b).add("last " + last);
            }
            if (Duration.between(b.time(), now).compareTo(minAge) < 0) {
                reasons.get(b).add("younger than " + minAge);
            }
            if (keepWithin != null && !keepWithin.isZero() && Duration.between(b.time(), newest).compareTo(keepWithin) <= 0) {
                reasons.get(b).add("within " + keepWithin + " of the newest");
            }
        }
        bucket(sorted, reasons, daily, "daily", t -> t.toLocalDate().toString());
        bucket(sorted, reasons, weekly, "weekly", t -> t.get(IsoFields.WEEK_BASED_YEAR) + "-W"
                + String.format("%02d", t.get(IsoFields.WEEK_OF_WEEK_BASED_YEAR)));
        bucket(sorted, reasons, monthly, "monthly", t -> String.format("%d-%02d", t.getYear(), t.getMonthValue()));
        bucket(sorted, reasons, yearly, "yearly", t -> String.valueOf(t.getYear()));
        Map<String, Backup> byName = new HashMap<>();
        sorted.forEach(b -> byName.putIfAbsent(b.name(), b));
        for (Backup b : sorted) {
            if (b.parent() != null && !byName.containsKey(b.parent())) {
                reasons.get(b).add("orphaned: its parent " + b.parent() + " is missing");
            }
        }
        keepAncestors(sorted, reasons, byName);
        List<Decision> out = new ArrayList<>();
        reasons.forEach((b, r) -> out.add(new Decision(b, List.copyOf(r), brokenChain(b, byName))));
        return out;
    }

    /** Every ancestor of a kept backup is kept, each with the kept child that needs it. */
    private static void keepAncestors(List<Backup> backups, Map<Backup, List<String>> reasons, Map<String, Backup> byName) {
        Deque<Backup> needing = new ArrayDeque<>();
        backups.stream().filter(b -> !reasons.get(b).isEmpty()).forEach(needing::add);
        Set<Backup> seen = new HashSet<>(needing);
        while (!needing.isEmpty()) {
            Backup child = needing.poll();
            Backup parent = child.parent() == null ? null : byName.get(child.parent());
            if (parent == null || parent.equals(child)) {
                continue;
            }
            reasons.get(parent).add("parent of kept incremental " + child.name());
            if (seen.add(parent)) {
                needing.add(parent);
            }
        }
    }

    /** Why a backup cannot be restored from this target (null: it can): the first missing link of its chain. */
    private static String brokenChain(Backup backup, Map<String, Backup> byName) {
        Set<String> visited = new HashSet<>();
        for (Backup b = backup; b.parent() != null && visited.add(b.name()); ) {
            Backup parent = byName.get(b.parent());
            if (parent == null) {
                return "cannot be restored from this target: " + b.parent() + " (parent of " + b.name() + ") is missing";
            }
            b = parent;
        }
        return null;
    }

    /** The newest backup of each of the first {@code count} distinct periods, newest period first. */
    private void bucket(List<Backup> newestFirst, Map<Backup, List<String>> reasons, int count, String kind,
                        Function<ZonedDateTime, String> period) {
        Set<String> seen = new HashSet<>();
        for (Backup b : newestFirst) {
            if (seen.size() >= count) {
                return;
            }
            String key = period.apply(b.time().atZone(zone));
            if (seen.add(key)) {
                reasons.get(b).add(kind + " " + key);
            }
        }
    }
}
