#!/usr/bin/env bash
# Benchmark, not a test: BACKUP_API_ALLOW=github-actions with a meta answer of N ranges (default 5,000,
# about the size of GitHub's Actions list; a third IPv6): time to parse and precompute one answer, and
# the cost of one request's check next to comparing every range in turn.
# Usage: bench/allowlist.sh [ranges]   Output: bench/work/allowlist.txt
set -euo pipefail
cd "$(dirname "$0")/.."
ranges="${1:-5000}"
mvn -B -q test-compile dependency:build-classpath -Dmdep.outputFile=target/bench.classpath >/dev/null
cp="target/test-classes:target/classes:$(cat target/bench.classpath)"
mkdir -p bench/work
{
  echo "bench/allowlist.sh on $(nproc) cores, $(date -u +%Y-%m-%dT%H:%MZ), load average $(cut -d' ' -f1-3 /proc/loadavg)"
  java -Xmx256m -cp "$cp" ${BENCH_OPTS:-} io.github.cameld1backup.bench.AllowListBenchmark "$ranges" 2> bench/work/allowlist.log
} | tee bench/work/allowlist.txt
