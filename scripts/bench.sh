#!/usr/bin/env bash
# Runs vmqos's benchmarks and prints their figures (as root for the kernel ones):
#  - ReserverBenchmark (tests tagged "benchmark"): apply+verify / release / rollback of a 16-thread plan, 25 runs
#  - PlannerBench (plain harness): planning 1,000 VMs x 3 stages
# Extra arguments go to Maven (e.g. -Dtest=ReserverBenchmark to run only that one).
set -euo pipefail
HERE="$(cd "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")/.." && pwd)"
source "$HERE/scripts/env.sh"
cd "$HERE"
mvn -B -q test -Dgroups=benchmark -Dtest.excludedGroups=none -Dsurefire.failIfNoSpecifiedTests=false "$@" 2>&1 | grep -E 'BENCH|ERROR|FAIL' || true
if [[ " $* " != *" -Dtest="* ]]; then
  CP=$(mvn -q -B dependency:build-classpath -Dmdep.outputFile=/dev/stdout | tail -1)
  "$JAVA_HOME/bin/java" -cp "target/classes:target/test-classes:$CP" io.vmqos.bench.PlannerBench
fi
