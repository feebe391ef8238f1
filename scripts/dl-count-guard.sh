#!/usr/bin/env bash
# Sourced by scripts/test.sh and scripts/bench.sh (as root). Guards the run against one kernel defect that outlives
# the run that caused it: the root cpuset's count of DEADLINE tasks (cgroup v1 nr_deadline_tasks, kernel-internal) can
# end up below the number of DEADLINE tasks it holds. The count is a plain int updated under different locks:
# cgroup_exit() lowers it for an exiting DEADLINE task under css_set_lock, while switched_to/from_dl() and
# cpuset_attach() change it under cpuset_mutex and the runqueue lock, so a DEADLINE thread exiting while another is
# set to or from DEADLINE can lose an update (the race discussed on LKML with "cgroup/cpuset: Change
# nr_deadline_tasks to an atomic_t value", Oct 2023). On this 6.18 machine it was first off by -2 after a run was
# killed mid-way, then by -3 some runs later, so it can also drift during a run. Whenever that count
# reads 0 while DEADLINE tasks are in the root cpuset, a rebuild of the root domains (a partition split or merge, or
# vmqos's ledger repair) drops their bandwidth from dl_bw->total_bw, and the kernel then refuses lowering them and
# the tests that count bandwidth fail. It lasts until reboot; nothing in user space reads or resets that count.
#
# The probe: start sleeping DEADLINE tasks in the root cpuset one at a time and rebuild after each; a healthy kernel
# keeps every one in total_bw. When it drops them at n tasks, the count is off by -n; the guard then keeps
# n + 1 + DL_GUARD_SPARE sleeping DEADLINE tasks (100us/100ms each, 0.1% of a CPU) in the root cpuset for the whole
# run, so the count stays above 0 even if the race lowers it further meanwhile, and removes them when the run ends
# (the host is left as found: the same total_bw after a rebuild). It probes again then and says whether the count
# moved during the run. On a healthy kernel it starts nothing and says so.

DL_GUARD_PIDS=()
DL_GUARD_SPARE=${DL_GUARD_SPARE:-8}
DL_GUARD_LOST=0
_dl_cpuset=/sys/fs/cgroup/cpuset
_dl_debug=/sys/kernel/debug/sched/debug

_dl_total() { awk '/dl_bw->total_bw/ {print $3; exit}' "$_dl_debug"; }
_dl_rebuild() { echo 0 > "$_dl_cpuset/cpuset.sched_load_balance"; echo 1 > "$_dl_cpuset/cpuset.sched_load_balance"; }
_dl_sleeper() { chrt -d -T "$1" -P 100000000 0 sleep "$2" & }

# prints the largest n (of 1..8) at which n sleeping DEADLINE tasks in the root cpuset leave total_bw on a rebuild
_dl_probe() {
    local lost=0 probes=() n before after
    _dl_rebuild
    for n in 1 2 3 4 5 6 7 8; do
        _dl_sleeper 1000000 60; probes+=($!)
        sleep 0.2
        before=$(_dl_total); _dl_rebuild; after=$(_dl_total)
        if (( after < before )); then lost=$n; fi
    done
    kill "${probes[@]}" 2> /dev/null || true; wait "${probes[@]}" 2> /dev/null || true
    sleep 0.3; _dl_rebuild
    echo "$lost"
}

dl_count_guard_start() {
    if [[ ! -w "$_dl_cpuset/cpuset.sched_load_balance" || ! -r "$_dl_debug" ]] || ! command -v chrt > /dev/null; then
        echo "dl-count-guard: no cgroup v1 cpuset or no debugfs sched/debug here; nothing to check"
        return 0
    fi
    if [[ "$(cat "$_dl_cpuset/cpuset.sched_load_balance")" != 1 ]]; then
        echo "dl-count-guard: the root cpuset is partitioned (sched_load_balance 0): not probing"
        return 0
    fi
    local base lost n
    base=$(_dl_total)
    lost=$(_dl_probe)
    if (( lost == 0 )); then
        echo "dl-count-guard: the kernel keeps sleeping DEADLINE tasks across root-domain rebuilds (total_bw $base): healthy"
        return 0
    fi
    echo "dl-count-guard: WARNING: this kernel drops $lost sleeping DEADLINE task(s) of the root cpuset from dl_bw->total_bw on a"
    echo "dl-count-guard: root-domain rebuild: its root-cpuset DEADLINE-task count is off by -$lost (lost to a kernel race"
    echo "dl-count-guard: on that count; until reboot). Keeping $((lost + 1 + DL_GUARD_SPARE)) sleeping DEADLINE tasks (100us/100ms each) in the root cpuset"
    echo "dl-count-guard: for this run ($DL_GUARD_SPARE of them spare, in case the count drops further meanwhile)."
    DL_GUARD_LOST=$lost
    for ((n = 0; n < lost + 1 + DL_GUARD_SPARE; n++)); do _dl_sleeper 100000 infinity; DL_GUARD_PIDS+=($!); done
    sleep 0.2; _dl_rebuild
    trap dl_count_guard_stop EXIT
}

dl_count_guard_stop() {
    (( ${#DL_GUARD_PIDS[@]} )) || return 0
    kill "${DL_GUARD_PIDS[@]}" 2> /dev/null || true; wait "${DL_GUARD_PIDS[@]}" 2> /dev/null || true
    DL_GUARD_PIDS=()
    sleep 0.3; _dl_rebuild
    local now
    now=$(_dl_probe)
    if (( now == DL_GUARD_LOST )); then
        echo "dl-count-guard: removed its DEADLINE tasks; total_bw $(_dl_total); the count is off by -$now, as at the start"
    else
        echo "dl-count-guard: removed its DEADLINE tasks; total_bw $(_dl_total); WARNING: the count moved during the run: off by -$DL_GUARD_LOST at the start, by -$now now"
    fi
}
