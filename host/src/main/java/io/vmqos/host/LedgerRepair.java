package io.vmqos.host;

/**
 * The outcome of {@link LedgerAccess#repairIfLeaked()}.
 *
 * @param leakedBefore fixed-point bandwidth the kernel held beyond live threads and servers, before repair
 * @param leakedAfter the same after repair (0 when repaired or nothing leaked)
 * @param repaired true when a rebuild was done
 * @param method how root domains were rebuilt (e.g. {@code cgroup-v1 cpuset.sched_load_balance}), or "" if none
 */
public record LedgerRepair(long leakedBefore, long leakedAfter, boolean repaired, String method) {
    public static final LedgerRepair NOTHING = new LedgerRepair(0, 0, false, "");

    public boolean clean() { return leakedAfter == 0; }
}
