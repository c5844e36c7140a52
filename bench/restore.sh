#!/usr/bin/env bash
# Benchmark, not a test: restore a backup whose SQL is over 1 GB (gzip + AES-256-GCM) with -Xmx256m,
# into SQLite and into D1 (workerd's, in its own process), printing time, requests and peak RSS
# next to `sqlite3 NEW.db < dump.sql` on the same SQL.  Usage: bench/restore.sh [rows] (default 4,200,000)
set -euo pipefail
cd "$(dirname "$0")/.."
rows="${1:-4200000}"
work=$PWD/bench/work
mkdir -p "$work"
db="$work/big-$rows.db"
mvn -B -q package -DskipTests
mvn -B -q test-compile dependency:build-classpath -Dmdep.outputFile=target/bench.classpath >/dev/null
cp="target/test-classes:target/classes:$(cat target/bench.classpath)"
if [ ! -f "$db" ]; then
  sqlite3 "$db" "CREATE TABLE events (id INTEGER PRIMARY KEY, at TEXT, kind TEXT, amount REAL, note TEXT, payload BLOB);
    WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < $rows)
    INSERT INTO events SELECT i, datetime(1700000000 + i, 'unixepoch'), 'kind-' || (i % 17), i / 7.0,
      'note ' || i || ' ' || hex(randomblob(60)), randomblob(32) FROM n;"
fi
rm -rf "$work/restore" && mkdir -p "$work/restore"
export ENCRYPTION_KEY=$(openssl rand -hex 32) BACKUP_WORK_DIR="$work/restore/spool"
java -Xmx256m -jar target/camel-d1-backup.jar backup --source "sqlite:$db" --target "file:$work/restore" 2>/dev/null
backup=$(ls "$work/restore" | grep '\.enc$')
echo "backup: $backup, $(stat -c %s "$work/restore/$backup") bytes stored"

# The same SQL in plain text for the sqlite3 reference (decrypted with the JDK, gunzipped).
java -cp "$cp" io.github.cameld1backup.bench.DecryptToFile "$work/restore/$backup" "$work/restore/plain.sql" "$ENCRYPTION_KEY"
echo "plain SQL: $(stat -c %s "$work/restore/plain.sql") bytes"

start=$(date +%s.%N)
sqlite3 "$work/restore/reference.db" < "$work/restore/plain.sql"
echo "sqlite3 NEW.db < dump.sql           : $(echo "$(date +%s.%N) - $start" | bc) s"

/usr/bin/time -v java -Xmx256m -jar target/camel-d1-backup.jar restore "$work/restore/$backup" \
  --to "sqlite:$work/restore/restored.db" > "$work/restore/out.txt" 2> "$work/restore/time.txt"
echo "restore --to sqlite (gzip+aes, -Xmx256m): wall $(grep 'Elapsed (wall' "$work/restore/time.txt" | awk '{print $NF}'),"\
  "peak RSS $(( $(grep 'Maximum resident' "$work/restore/time.txt" | awk '{print $NF}') / 1024 )) MiB"
cat "$work/restore/out.txt"

rm -f "$work/restore/d1.db"
coproc EMU { java -Xmx2g -cp "$cp" io.github.cameld1backup.bench.WorkerdD1Main "$work/restore/d1.db" 2>/dev/null; }
read -r base <&"${EMU[0]}"; read -r id <&"${EMU[0]}"
export CLOUDFLARE_ACCOUNT_ID=0123456789abcdef0123456789abcdef CLOUDFLARE_API_TOKEN=workerd-token-0123456789
export CLOUDFLARE_API_BASE_URL="$base" RESTORE_D1_DATABASE_ID="$id" D1_REQUESTS_PER_WINDOW="${D1_BUDGET:-1000000}"
/usr/bin/time -v java -Xmx256m -jar target/camel-d1-backup.jar restore "$work/restore/$backup" --to d1 \
  > "$work/restore/out-d1.txt" 2> "$work/restore/time-d1.txt"
exec {EMU[1]}>&-
read -r requests <&"${EMU[0]}" || true
echo "restore --to d1 (workerd, request budget lifted, -Xmx256m): wall $(grep 'Elapsed (wall' "$work/restore/time-d1.txt" | awk '{print $NF}'),"\
  "peak RSS $(( $(grep 'Maximum resident' "$work/restore/time-d1.txt" | awk '{print $NF}') / 1024 )) MiB, D1 saw $requests"
cat "$work/restore/out-d1.txt"
