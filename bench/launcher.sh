#!/usr/bin/env bash
# Benchmark, not a test: the whole `backup` command (JVM start to exit) of the 1,000,000-row table of
# bench/scale.sh, through the launcher (target/bin/camel-d1-backup: the JDK in bin/java-home, bin/jvm.options,
# the build's archive for that JDK, MALLOC_ARENA_MAX=2, MALLOC_TRIM_THRESHOLD_) and as plain `java -jar` (the
# JVM on the PATH, with its defaults),
# next to `sqlite3 DB .dump | gzip` on the same file. Runs of the three take turns, RUNS times (default 5);
# prints each one's median wall time, its ratio to the reference's median and the highest peak RSS.
# Usage: bench/launcher.sh [rows (1000000)]   Output also in bench/work/launcher.txt
# SKIP_BUILD=1 uses the target/ already built; LAUNCHER_OPTS adds flags to the launcher's runs (JAVA_OPTS).
set -euo pipefail
cd "$(dirname "$0")/.."
rows="${1:-1000000}"
runs="${RUNS:-5}"
work=$PWD/bench/work/scale
mkdir -p "$work"
[ -n "${SKIP_BUILD:-}" ] || mvn -B -q package -DskipTests -DskipImage
out="$PWD/bench/work/launcher.txt"
: > "$out"
say() { echo "$@" | tee -a "$out"; }

db="$work/narrow-$rows.db"    # the same database as bench/scale.sh's narrow table
[ -f "$db" ] || sqlite3 "$db" "CREATE TABLE events (id INTEGER PRIMARY KEY, at TEXT NOT NULL, kind TEXT,
  amount REAL, big INTEGER, payload BLOB);
  WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < $rows)
  INSERT INTO events SELECT i, datetime(1700000000 + i, 'unixepoch'), 'kind-' || (i % 17), i / 7.0,
    9007199254740993 + i, randomblob(8) FROM n;"

# One timed run: appends "seconds KiB" to the file $1; the rest is the command.
timed() {
  local into=$1; shift
  rm -rf "$work/out" "$work/spool" "$work/ref.sql.gz"
  # The earlier runs' 25 MB outputs are written back by the kernel some 30 s later: flushed here, outside
  # the timing, so that no command pays for another's writes.
  sync
  /usr/bin/time -f "%e %M" -o "$work/time.txt" "$@" > "$work/run.out" 2> "$work/run.err" \
    || { cat "$work/run.err" >&2; exit 1; }
  cat "$work/time.txt" >> "$into"
}
backup_args=(backup --source "sqlite:$db" --target "file:$work/out" --compression gzip --no-progress)
: > "$work/t.ref"; : > "$work/t.jar"; : > "$work/t.launcher"
for i in $(seq "$runs"); do
  timed "$work/t.ref" sh -c "sqlite3 '$db' .dump | gzip > '$work/ref.sql.gz'"
  timed "$work/t.jar" env -u MALLOC_ARENA_MAX -u MALLOC_TRIM_THRESHOLD_ -u JAVA_OPTS BACKUP_WORK_DIR="$work/spool" \
    java -jar target/camel-d1-backup.jar "${backup_args[@]}"
  timed "$work/t.launcher" env -u MALLOC_ARENA_MAX -u MALLOC_TRIM_THRESHOLD_ JAVA_OPTS="${LAUNCHER_OPTS:-}" BACKUP_WORK_DIR="$work/spool" \
    target/bin/camel-d1-backup "${backup_args[@]}"
done

median() { sort -n | awk '{ a[NR] = $1 } END { print (NR % 2) ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2 }'; }
ref=$(cut -d' ' -f1 "$work/t.ref" | median)
say "bench/launcher.sh: $rows rows ($(du -m "$db" | cut -f1) MB on disk), median of $runs runs taking turns," \
  "$(nproc) cores, $(date -u +%Y-%m-%dT%H:%MZ), load average $(cut -d' ' -f1-3 /proc/loadavg)"
say "  the launcher's JDK: $(cat target/bin/java-home 2>/dev/null || echo "JAVA_HOME or the PATH's"); its archive:" \
  "$(cd target && ls camel-d1-backup.aot camel-d1-backup.jsa 2>/dev/null || echo none)"
say "$(printf '  %-34s %6.2f s   runs: %s' 'sqlite3 DB .dump | gzip' "$ref" "$(cut -d' ' -f1 "$work/t.ref" | tr '\n' ' ')")"
for kind in jar launcher; do
  label=$([ "$kind" = jar ] && echo "java -jar (JVM defaults)" || echo "target/bin/camel-d1-backup")
  med=$(cut -d' ' -f1 "$work/t.$kind" | median)
  rss=$(( $(cut -d' ' -f2 "$work/t.$kind" | sort -n | tail -1) / 1024 ))
  say "$(printf '  %-34s %6.2f s  %5.2fx   peak RSS %4d MiB   runs: %s' "$label" "$med" \
    "$(awk -v a="$med" -v b="$ref" 'BEGIN { print a / b }')" "$rss" "$(cut -d' ' -f1 "$work/t.$kind" | tr '\n' ' ')")"
done
