package io.vmqos.linux;

import io.vmqos.core.CpuBandwidth;

/**
 * What a ledger repair did and whether it worked. Immutable value.
 *
 * @param method what was written, e.g. {@code cgroup v1: /sys/fs/cgroup/cpuset/cpuset.sched_load_balance 1→0→1};
 *     {@code none} when no repair was needed
 * @param before the ledger read before the repair
 * @param after the ledger read after it (same as before when nothing was done)
 * @param success true when after the repair no domain has unaccounted bandwidth beyond tolerance
 */
public record RepairResult(String method, LedgerSnapshot before, LedgerSnapshot after, boolean success) {

    /** Bandwidth the repair released (may be affected by threads that came or went meanwhile). */
    public CpuBandwidth released() { return kernelTotal(before).minus(kernelTotal(after)); }

    private static CpuBandwidth kernelTotal(LedgerSnapshot s) {
        return CpuBandwidth.sum(s.domains().stream().map(RootDomainLedger::kernelTotal).toList());
    }

    /** Multi-line summary: method, released bandwidth, before and after. */
    public String describe() {
        return (success ? "ledger OK" : "ledger STILL LEAKED") + " after " + method + ", released " + released().percent()
                + "\nbefore:\n" + before.describe() + "\nafter:\n" + after.describe();
    }
}
