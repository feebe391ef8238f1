package io.vmqos.core;

/**
 * The kernel's limits on DEADLINE periods ({@code /proc/sys/kernel/sched_deadline_period_{min,max}_us}),
 * in nanoseconds. The defaults are the kernel's (100us, 2^22 us).
 */
public record KernelLimits(long periodMinNs, long periodMaxNs) {
    public static final KernelLimits DEFAULT = new KernelLimits(100_000L, 4_194_304_000L);
}
