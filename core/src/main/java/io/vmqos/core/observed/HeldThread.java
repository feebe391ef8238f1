package io.vmqos.core.observed;

import io.vmqos.core.CpuBandwidth;

/**
 * A live SCHED_DEADLINE thread as admission sees it.
 *
 * @param bandwidth what it holds, Q/P
 * @param pinnedCpu the one CPU it may run on, or -1 when its affinity spans several (it floats over its root domain)
 */
public record HeldThread(int tid, CpuBandwidth bandwidth, int pinnedCpu) {}
