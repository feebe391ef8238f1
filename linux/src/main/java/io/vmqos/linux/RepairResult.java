package io.vmqos.linux;

import io.vmqos.core.Bandwidth;

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

    /** Bandwidth the repair released, fixed point (may be affected by threads that came or went meanwhile). */
    public long released() {
        long b = 0, a = 0;
        for (RootDomainLedger d : before.domains()) b += d.kernelTotal();
        for (RootDomainLedger d : after.domains()) a += d.kernelTotal();
        return b - a;
    }

    /** Multi-line summary: method, released bandwidth, before and after. */
    public String describe() {
        return (success ? "ledger OK" : "ledger STILL LEAKED") + " after " + method + ", released " + Bandwidth.percent(released())
                + "\nbefore:\n" + before.describe() + "\nafter:\n" + after.describe();
    }
}
