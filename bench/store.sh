#!/usr/bin/env bash
# Benchmark, not a test: back up a SQLite database whose dump is over 1 GB, gzip + AES-256-GCM, to an
# S3 server (S3Proxy in its own process) with -Xmx256m; print peak RSS, wall time and MB/s next to
# `sqlite3 DB .dump | gzip` on the same data.  Usage: bench/store.sh [rows]  (default 4,200,000)
set -euo pipefail
cd "$(dirname "$0")/.."
rows="${1:-4200000}"
work=bench/work
mkdir -p "$work"
db="$work/big-$rows.db"
mvn -B -q package -DskipTests
mvn -B -q test-compile dependency:build-classpath -Dmdep.outputFile=target/bench.classpath >/dev/null
if [ ! -f "$db" ]; then
  echo "generating $db ..."
  sqlite3 "$db" "CREATE TABLE events (id INTEGER PRIMARY KEY, at TEXT, kind TEXT, amount REAL, note TEXT, payload BLOB);
    WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < $rows)
    INSERT INTO events SELECT i, datetime(1700000000 + i, 'unixepoch'), 'kind-' || (i % 17), i / 7.0,
      'note ' || i || ' ' || hex(randomblob(60)), randomblob(32) FROM n;"
fi
echo "database: $(du -h "$db" | cut -f1), $rows rows"

start=$(date +%s.%N)
sqlite3 "$db" .dump | gzip -6 > "$work/reference.sql.gz"
ref=$(echo "$(date +%s.%N) - $start" | bc)
refsize=$(stat -c %s "$work/reference.sql.gz")

java -Xmx2g -cp "target/test-classes:target/classes:$(cat target/bench.classpath)" \
  io.github.cameld1backup.bench.S3ProxyMain bench > "$work/s3proxy.out" 2>/dev/null &
proxy=$!
trap 'kill $proxy 2>/dev/null || true' EXIT
for _ in $(seq 100); do [ -s "$work/s3proxy.out" ] && break; sleep 0.2; done
endpoint=$(head -1 "$work/s3proxy.out")

export R2_ACCESS_KEY_ID=test-access-key R2_SECRET_ACCESS_KEY=test-secret-key-0123456789 R2_ENDPOINT="$endpoint"
export ENCRYPTION_KEY=$(openssl rand -hex 32) BACKUP_WORK_DIR="$work/spool"
/usr/bin/time -v java -Xmx256m -jar target/camel-d1-backup.jar backup --source "sqlite:$db" --target r2:bench \
  > "$work/backup.out" 2> "$work/backup.err"
wall=$(grep "Elapsed (wall clock)" "$work/backup.err" | awk '{print $NF}')
rss=$(grep "Maximum resident set size" "$work/backup.err" | awk '{print $NF}')
summary=$(cat "$work/backup.out")
sqlbytes=$(ls -l "$work"/spool 2>/dev/null | wc -l)
echo "sqlite3 .dump | gzip         : ${ref} s, $refsize bytes"
echo "camel-d1-backup (gzip+aes, S3): wall $wall, peak RSS $((rss / 1024)) MiB (-Xmx256m)"
echo "  $summary"
