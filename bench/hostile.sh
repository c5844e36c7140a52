#!/usr/bin/env bash
# Benchmark, not a test: issue 18's hostile traffic (findings 1 to 5) against the run command in a JVM of
# its own with the launcher's memory settings (src/main/launcher/jvm.options, MALLOC_ARENA_MAX=2), a fresh
# service per finding (bench.HostileTraffic); prints one line per finding:
#   1 bodies: 30 concurrent 10 MB POSTs and 200 10 MB GET /health bodies while a backup runs (statuses,
#     /health during the flood, OutOfMemoryErrors, the backup's state, peak RSS, SIGTERM to exit)
#   2 budget: 400 wrong codes at once from 40 addresses (how many were checked)
#   3 query: credentials in the query string (statuses)
#   4 key: 300 requests without the API key, then the key and a good code (status)
#   5 audit: 5,000 requests without a code (audit lines written)
# Usage: bench/hostile.sh [SERVICE_CLASSPATH]   (another build's classes and dependencies, to compare with;
# default: this one's)   Output: bench/work/hostile.txt
set -euo pipefail
cd "$(dirname "$0")/.."
mvn -B -q test-compile dependency:build-classpath -Dmdep.outputFile=target/bench.classpath >/dev/null
deps="$(cat target/bench.classpath)"
service="${1:-target/classes:$deps}"
mkdir -p bench/work/hostile
java -cp "target/test-classes:target/classes:$deps" io.github.cameld1backup.bench.HostileTraffic "$service" \
  bench/work/hostile | tee bench/work/hostile.txt
