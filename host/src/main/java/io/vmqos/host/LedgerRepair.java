package io.vmqos.host;

import io.vmqos.core.CpuBandwidth;

/**
 * The outcome of {@link LedgerAccess#repairIfLeaked()}.
 *
 * @param leakedBefore the bandwidth the kernel held beyond live threads and servers, before repair
 * @param leakedAfter the same after repair (zero when repaired or nothing leaked)
 * @param repaired true when a rebuild was done
 * @param method how root domains were rebuilt (e.g. {@code cgroup-v1 cpuset.sched_load_balance}), or "" if none
 */
public record LedgerRepair(CpuBandwidth leakedBefore, CpuBandwidth leakedAfter, boolean repaired, String method) {
    public static final LedgerRepair NOTHING = new LedgerRepair(CpuBandwidth.ZERO, CpuBandwidth.ZERO, false, "");

    public boolean clean() { return leakedAfter.isZero(); }
}
