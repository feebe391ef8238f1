package io.vmqos.core;

/**
 * Where one stage thread of one VM runs: its root domain and, under partitioned placement, the CPU it is pinned
 * to ({@link #ANY_CPU} under global EDF, where the thread may run on any CPU of the root domain).
 */
public record Placement(String vm, StageKind stage, String rootDomain, int cpu) {
    /** The thread is not pinned: global EDF over the root domain's CPUs. */
    public static final int ANY_CPU = -1;

    public boolean pinned() { return cpu != ANY_CPU; }
}
