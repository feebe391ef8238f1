#!/usr/bin/env bash
# Runs vmqos's benchmarks (tests tagged "benchmark"); each prints a line starting with BENCH.
set -euo pipefail
HERE="$(cd "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")/.." && pwd)"
source "$HERE/scripts/env.sh"
cd "$HERE"
mvn -B -q test -Dgroups=benchmark -Dtest.excludedGroups=none -Dsurefire.failIfNoSpecifiedTests=false "$@" 2>&1 | grep -E 'BENCH|ERROR|FAIL' || true
