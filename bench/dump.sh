#!/usr/bin/env bash
# Benchmark, not a test: a table of N rows (default 1,000,000) backed up from a SQLite file and from
# from workerd's D1, next to `sqlite3 DB .dump`. Prints time, requests and rows read.
set -euo pipefail
cd "$(dirname "$0")/.."
rows="${1:-1000000}"
mvn -B -q test-compile dependency:build-classpath -Dmdep.outputFile=target/bench.classpath >/dev/null
java -Xmx512m -cp "target/test-classes:target/classes:$(cat target/bench.classpath)" \
  -Dlog4j2.level=WARN io.github.cameld1backup.bench.DumpBenchmark "$rows" bench/work 2> >(grep -v ' INFO ' >&2)
