#!/usr/bin/env bash
# Benchmark, not a test: find and erase a data subject in a SQLite file of users, N posts (default
# 1,000,000) with an FTS5 index, 2N comments, sessions and an audit table; erase 20 subjects by keyed
# hash in one transaction, as applying an erasure ledger to a restored backup does. Prints the times.
set -euo pipefail
cd "$(dirname "$0")/.."
posts="${1:-1000000}"
mvn -B -q test-compile dependency:build-classpath -Dmdep.outputFile=target/bench.classpath >/dev/null
java -Xmx256m -cp "target/test-classes:target/classes:$(cat target/bench.classpath)" \
  io.github.cameld1backup.bench.SubjectBenchmark "$posts" bench/work/subject
