package io.vmqos.host.reconcile;

import io.vmqos.core.SchedAttributes;

/**
 * A thread as the host shows it now.
 *
 * @param pid its process (tgid)
 * @param startTime clock ticks since boot ({@code /proc/TID/stat} field 22): with the tid, the thread's identity
 * @param cpuset the cpuset it is in ({@code /proc/TID/cpuset}), e.g. {@code /} or {@code /vmqos-cpu1}
 */
public record LiveThread(int tid, int pid, long startTime, SchedAttributes attrs, String cpuset) {}
