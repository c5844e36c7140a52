#!/usr/bin/env bash
# Fault soak, not a unit test: RUNS backups (default 50) of the fixtures from workerd's D1 to S3Proxy,
# each under a seeded random mix of D1 and S3 faults (FaultSoakTest); prints its summary line, e.g.
#   fault soak: 50 runs, 41 succeeded, 9 failed cleanly, 0 corrupt
# Usage: bench/faults.sh [runs]   (FAULTS_SEED=n for another mix; the full log is in bench/work/faults.log)
set -euo pipefail
cd "$(dirname "$0")/.."
runs="${1:-50}"
mkdir -p bench/work
status=0
mvn -B -q test -Dtest=FaultSoakTest -Dsurefire.failIfNoSpecifiedTests=false -Dfaults.runs="$runs" \
  ${FAULTS_SEED:+-Dfaults.seed="$FAULTS_SEED"} > bench/work/faults.log 2>&1 || status=$?
grep -E '^fault soak: [0-9]+ runs' bench/work/faults.log || echo "fault soak: no summary (see bench/work/faults.log)"
[ "$status" -eq 0 ] || grep -E -A20 '^\[ERROR\] (Tests run|.*FaultSoakTest)' bench/work/faults.log | head -40
exit "$status"
