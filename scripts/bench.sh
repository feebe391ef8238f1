#!/usr/bin/env bash
# Runs vmqos's benchmarks and prints their figures (as root for the kernel ones):
#  - tests tagged "benchmark" (e.g. ReserverBenchmark: apply+verify / release / rollback of a 16-thread plan)
#  - PlannerBench (plain harness): planning 1,000 VMs x 3 stages
# Extra arguments go to Maven (e.g. -Dtest=ReserverBenchmark to run only that one).
set -euo pipefail
HERE="$(cd "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")/.." && pwd)"
source "$HERE/scripts/env.sh"
cd "$HERE"
if [[ $EUID -eq 0 ]]; then source "$HERE/scripts/dl-count-guard.sh"; dl_count_guard_start; fi
mvn -B -q verify -Dgroups=benchmark -Dtest.excludedGroups=none -Dsurefire.failIfNoSpecifiedTests=false "$@" 2>&1 | grep -E 'BENCH|ERROR|FAIL' || true
if [[ " $* " != *" -Dtest="* ]]; then
  T="$HERE/target"
  "$JAVA_HOME/bin/java" -cp "$T/vmqos-core/classes:$T/vmqos-analysis/classes:$T/vmqos-analysis/test-classes" io.vmqos.bench.PlannerBench
fi
