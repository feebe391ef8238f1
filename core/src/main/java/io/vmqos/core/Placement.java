package io.vmqos.core;

/**
 * Where one stage thread of one VM runs: its root domain and, under partitioned placement, the CPU it is pinned
 * to ({@link #ANY_CPU} under global EDF, where the thread may run on any CPU of the root domain).
 *
 * @param thread which of the stage's threads (0 for the first; a VM's vCPU threads in their order)
 */
public record Placement(String vm, StageKind stage, int thread, String rootDomain, int cpu) {
    /** The thread is not pinned: global EDF over the root domain's CPUs. */
    public static final int ANY_CPU = -1;

    /** The stage's first thread. */
    public Placement(String vm, StageKind stage, String rootDomain, int cpu) { this(vm, stage, 0, rootDomain, cpu); }

    public boolean pinned() { return cpu != ANY_CPU; }
}
