#!/usr/bin/env bash
# Benchmark, not a test. Three generated databases (1 table of N narrow rows; 50 tables; wide rows with
# 500 KB BLOBs), each backed up (gzip; through the launcher target/bin/camel-d1-backup: the flags of
# src/main/launcher/jvm.options, its class-data-sharing archive, MALLOC_ARENA_MAX=2, MALLOC_TRIM_THRESHOLD_ and JAVA_OPTS) from the SQLite file and from workerd's D1
# (its own process, 8 connections, 50 ms per answer like a round trip to Cloudflare), next to
# `sqlite3 DB .dump | gzip` on the same file in the same run. Prints wall time, rows/s, MB/s of SQL,
# requests, rows read per row (D1's own count), peak RSS, MB stored, and the ratio to sqlite3: of the whole command (wall,
# JVM and Camel start-up included) and of the backup itself (from its "started" log line to its "Backed up" one).
# Usage: bench/scale.sh [narrow rows (1000000)] [wide rows (400)]   Output: bench/work/scale.txt
set -euo pipefail
cd "$(dirname "$0")/.."
narrow="${1:-1000000}"
wide="${2:-400}"
work=$PWD/bench/work/scale
mkdir -p "$work"
mvn -B -q package -DskipTests -DskipImage
mvn -B -q test-compile dependency:build-classpath -Dmdep.outputFile=target/bench.classpath >/dev/null
cp="target/test-classes:target/classes:$(cat target/bench.classpath)"
out="$PWD/bench/work/scale.txt"
: > "$out"
say() { echo "$@" | tee -a "$out"; }

narrow_db="$work/narrow-$narrow.db"; tables_db="$work/tables50.db"; wide_db="$work/wide-$wide.db"
[ -f "$narrow_db" ] || sqlite3 "$narrow_db" "CREATE TABLE events (id INTEGER PRIMARY KEY, at TEXT NOT NULL, kind TEXT,
  amount REAL, big INTEGER, payload BLOB);
  WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < $narrow)
  INSERT INTO events SELECT i, datetime(1700000000 + i, 'unixepoch'), 'kind-' || (i % 17), i / 7.0,
    9007199254740993 + i, randomblob(8) FROM n;"
if [ ! -f "$tables_db" ]; then
  for t in $(seq -w 1 50); do
    echo "CREATE TABLE t$t (id INTEGER PRIMARY KEY, name TEXT, qty INTEGER, price REAL, tag BLOB);
      WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < $((10#$t * 800)))
      INSERT INTO t$t SELECT i, 'item ' || i, i % 100, i / 3.0, randomblob(4) FROM n;"
  done | sqlite3 "$tables_db"
fi
[ -f "$wide_db" ] || sqlite3 "$wide_db" "CREATE TABLE files (id INTEGER PRIMARY KEY, name TEXT, content BLOB);
  WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < $wide)
  INSERT INTO files SELECT i, 'file-' || i || '.bin', randomblob(512000) FROM n;"

java_opts="$(grep -v '^#' src/main/launcher/jvm.options | tr '\n' ' ')${JAVA_OPTS:-}"
secs() { awk -F: '{ if (NF == 3) print $1 * 3600 + $2 * 60 + $3; else print $1 * 60 + $2 }' <<< "$1"; }

# One backup: prints wall, rows/s, MB/s, requests, peak RSS; $1 label, $2 reference seconds, rest: extra args.
backup() {
  local label=$1 ref=$2; shift 2
  rm -rf "$work/out" "$work/spool"
  # shellcheck disable=SC2086
  BACKUP_WORK_DIR="$work/spool" /usr/bin/time -v target/bin/camel-d1-backup backup \
    --target "file:$work/out" --compression gzip "$@" > "$work/backup.out" 2> "$work/backup.err" \
    || { cat "$work/backup.err" >&2; exit 1; }
  local wall rss summary rows requests sqlmib own stored
  wall=$(secs "$(grep 'Elapsed (wall clock)' "$work/backup.err" | awk '{print $NF}')")
  rss=$(( $(grep 'Maximum resident set size' "$work/backup.err" | awk '{print $NF}') / 1024 ))
  summary=$(head -1 "$work/backup.out")
  rows=$(sed -E 's/.* ([0-9]+) rows,.*/\1/' <<< "$summary")
  requests=$(sed -E 's/.* in ([0-9]+) requests.*/\1/' <<< "$summary")
  sqlmib=$(sed -E 's/.* ([0-9.]+) MiB of SQL.*/\1/' <<< "$summary")
  stored=$(sed -E 's/.*\(([0-9.]+) (KiB|MiB|GiB) stored\).*/\1 \2/' <<< "$summary" \
    | awk '{ print $1 * ($2 == "KiB" ? 1024 : $2 == "MiB" ? 1048576 : 1073741824) / 1000000 }')
  # The backup itself: from the log line saying it started to the one saying it is done (millisecond stamps).
  own=$(grep -hE ' started$|Backed up ' "$work/backup.err" | grep -oE '^[0-9]{2}:[0-9]{2}:[0-9]{2}\.[0-9]{3}' \
    | awk -F: '{ t = $1 * 3600 + $2 * 60 + $3; if (NR == 1) a = t; else b = t } END { printf "%.2f", b - a }')
  say "$(printf '  %-34s %7.2f s %10.0f rows/s %7.1f MB/s %6d requests  peak RSS %4d MiB  %5.1f MB stored  %5.2fx sqlite3; backup itself %5.2f s, %5.2fx' \
    "$label" "$wall" "$(bc -l <<< "$rows / $wall")" "$(bc -l <<< "$sqlmib * 1.048576 / $wall")" "$requests" "$rss" \
    "$stored" "$(bc -l <<< "$wall / $ref")" "$own" "$(bc -l <<< "$own / $ref")")"
}

run() {
  local name=$1 db=$2
  say ""
  say "$name: $(du -m "$db" | cut -f1) MB on disk"
  local start ref
  start=$(date +%s.%N)
  sqlite3 "$db" .dump | gzip -6 > "$work/reference.sql.gz"
  ref=$(bc -l <<< "$(date +%s.%N) - $start")
  say "$(printf '  %-34s %7.2f s, %.1f MB stored' 'sqlite3 DB .dump | gzip' "$ref" \
    "$(bc -l <<< "$(stat -c %s "$work/reference.sql.gz") / 1000000")")"
  backup "backup from the SQLite file" "$ref" --source "sqlite:$db"

  coproc EMU { java -Xmx1g -Dd1.connections=8 -Dd1.latency.ms=50 -cp "$cp" \
    io.github.cameld1backup.bench.WorkerdD1Main "$db" 2>/dev/null; }
  local base id emu
  read -r base <&"${EMU[0]}"; read -r id <&"${EMU[0]}"
  CLOUDFLARE_ACCOUNT_ID=0123456789abcdef0123456789abcdef CLOUDFLARE_API_TOKEN=workerd-token-0123456789 \
    CLOUDFLARE_API_BASE_URL="$base" D1_DATABASE_ID="$id" D1_DATABASE_NAME="$name" D1_REQUESTS_PER_WINDOW=1000000 \
    BACKUP_PARALLELISM="${PARALLELISM:-4}" backup "backup from D1 (workerd, 50 ms)" "$ref" --source d1
  exec {EMU[1]}>&-
  read -r emu <&"${EMU[0]}" || true
  wait "$EMU_PID" 2>/dev/null || true
  local read_rows
  read_rows=$(awk '{print $4}' <<< "$emu")
  say "$(printf '  %-34s %s, %.4f rows read per row' 'D1 saw' "$emu" "$(bc -l <<< "$read_rows / $rows_in_db")")"
}

say "bench/scale.sh on $(nproc) cores, target/bin/camel-d1-backup ($java_opts), $(date -u +%Y-%m-%dT%H:%MZ), load average $(cut -d' ' -f1-3 /proc/loadavg)"
rows_in_db=$narrow; run "1 table x $narrow narrow rows" "$narrow_db"
rows_in_db=$(sqlite3 "$tables_db" "SELECT $(seq -s ' + ' -f '(SELECT count(*) FROM t%02g)' 1 50)")
run "50 tables, $rows_in_db rows" "$tables_db"
rows_in_db=$wide; run "$wide rows with 500 KB BLOBs" "$wide_db"
