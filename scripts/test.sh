#!/usr/bin/env bash
# Runs vmqos's whole test suite (unit tests and real-kernel tests; as root for the kernel ones), then the package test.
set -euo pipefail
HERE="$(cd "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")/.." && pwd)"
source "$HERE/scripts/env.sh"
if [[ $EUID -eq 0 ]]; then "$HERE/scripts/install-packages.sh"; fi
cd "$HERE"
if [[ $EUID -eq 0 ]]; then source "$HERE/scripts/dl-count-guard.sh"; dl_count_guard_start; fi
mvn -B verify "$@"
# the whole suite (no arguments) also builds, installs, checks and purges the Debian package
if [[ $# -eq 0 ]]; then "$HERE/scripts/package-test.sh"; fi
