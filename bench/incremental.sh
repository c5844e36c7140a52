#!/usr/bin/env bash
# Benchmark, not a test: a full backup of a table of N rows (default 1,000,000) with a modification time,
# then 1% of its rows changed (inserts, updates, deletes) and an incremental backup (backup.incremental,
# backup.incremental.tables=events:updated_at); from the SQLite file and from workerd's D1 (8 connections,
# 50 ms an answer). Prints time, requests, rows read (D1's count) and bytes stored of each, and checks the
# chain restores to the source. Usage: bench/incremental.sh [rows]   Output: bench/work/incremental.txt
set -euo pipefail
cd "$(dirname "$0")/.."
rows="${1:-1000000}"
mvn -B -q test-compile dependency:build-classpath -Dmdep.outputFile=target/bench.classpath >/dev/null
cp="target/test-classes:target/classes:$(cat target/bench.classpath)"
mkdir -p bench/work
{
  echo "bench/incremental.sh on $(nproc) cores, $(date -u +%Y-%m-%dT%H:%MZ), load average $(cut -d' ' -f1-3 /proc/loadavg)"
  java -Xmx1g -cp "$cp" ${BENCH_OPTS:-} io.github.cameld1backup.bench.IncrementalBenchmark "$rows" bench/work/incremental \
    2> bench/work/incremental.log
} | tee bench/work/incremental.txt
