#!/usr/bin/env bash
# Sourced by scripts/test.sh (as root). Guards the test run against one kernel defect that outlives a killed run:
# the root cpuset's count of DEADLINE tasks (cgroup v1, kernel-internal) can end up below the number of DEADLINE
# tasks it holds; seen on 6.18 after a test run holding DEADLINE threads was killed mid-way. Whenever that count
# reads 0 while DEADLINE tasks are in the root cpuset, a rebuild of the root domains (a partition split or merge, or
# vmqos's ledger repair) drops their bandwidth from dl_bw->total_bw, and the kernel then refuses lowering them and
# the tests that count bandwidth fail. It lasts until reboot; nothing in user space reads or resets that count.
#
# The probe: start sleeping DEADLINE tasks in the root cpuset one at a time and rebuild after each; a healthy kernel
# keeps every one in total_bw. When it drops them at n tasks, the count is off by -n; the guard then keeps n + 1
# sleeping DEADLINE tasks (100us/100ms each) in the root cpuset for the whole run, so the count never reads 0, and
# removes them when the run ends (the host is left as found: the same count, the same total_bw after a rebuild).
# On a healthy kernel it starts nothing and says so.

DL_GUARD_PIDS=()
_dl_cpuset=/sys/fs/cgroup/cpuset
_dl_debug=/sys/kernel/debug/sched/debug

_dl_total() { awk '/dl_bw->total_bw/ {print $3; exit}' "$_dl_debug"; }
_dl_rebuild() { echo 0 > "$_dl_cpuset/cpuset.sched_load_balance"; echo 1 > "$_dl_cpuset/cpuset.sched_load_balance"; }
_dl_sleeper() { chrt -d -T "$1" -P 100000000 0 sleep "$2" & }

dl_count_guard_start() {
    if [[ ! -w "$_dl_cpuset/cpuset.sched_load_balance" || ! -r "$_dl_debug" ]] || ! command -v chrt > /dev/null; then
        echo "dl-count-guard: no cgroup v1 cpuset or no debugfs sched/debug here; nothing to check"
        return 0
    fi
    if [[ "$(cat "$_dl_cpuset/cpuset.sched_load_balance")" != 1 ]]; then
        echo "dl-count-guard: the root cpuset is partitioned (sched_load_balance 0): not probing"
        return 0
    fi
    _dl_rebuild
    local base lost=0 probes=() n before after
    base=$(_dl_total)
    for n in 1 2 3 4 5 6 7 8; do
        _dl_sleeper 1000000 60; probes+=($!)
        sleep 0.2
        before=$(_dl_total); _dl_rebuild; after=$(_dl_total)
        if (( after < before )); then lost=$n; fi
    done
    kill "${probes[@]}" 2> /dev/null || true; wait "${probes[@]}" 2> /dev/null || true
    sleep 0.3; _dl_rebuild
    if (( lost == 0 )); then
        echo "dl-count-guard: the kernel keeps sleeping DEADLINE tasks across root-domain rebuilds (total_bw $base): healthy"
        return 0
    fi
    echo "dl-count-guard: WARNING: this kernel drops $lost sleeping DEADLINE task(s) of the root cpuset from dl_bw->total_bw on a"
    echo "dl-count-guard: root-domain rebuild: its root-cpuset DEADLINE-task count is off by -$lost (lost by a run killed mid-way;"
    echo "dl-count-guard: until reboot). Keeping $((lost + 1)) sleeping DEADLINE tasks (100us/100ms each) in the root cpuset for this run."
    for ((n = 0; n <= lost; n++)); do _dl_sleeper 100000 infinity; DL_GUARD_PIDS+=($!); done
    sleep 0.2; _dl_rebuild
    trap dl_count_guard_stop EXIT
}

dl_count_guard_stop() {
    (( ${#DL_GUARD_PIDS[@]} )) || return 0
    kill "${DL_GUARD_PIDS[@]}" 2> /dev/null || true; wait "${DL_GUARD_PIDS[@]}" 2> /dev/null || true
    DL_GUARD_PIDS=()
    sleep 0.3; _dl_rebuild
    echo "dl-count-guard: removed its DEADLINE tasks; total_bw $(_dl_total)"
}
