package io.vmqos.core;

/**
 * The kernel's fixed-point bandwidth arithmetic: a fraction of one CPU scaled by 2^20
 * ({@code BW_SHIFT} in kernel/sched/sched.h). Using the same rounding as {@code to_ratio()} lets vmqos
 * compare its sums with the kernel's {@code dl_bw->total_bw} exactly.
 */
public final class Bandwidth {
    public static final int SHIFT = 20;
    /** One full CPU. */
    public static final long UNIT = 1L << SHIFT;

    private Bandwidth() {}

    /** {@code runtime / period} in 2^-20 units, rounded down like the kernel's {@code to_ratio}. */
    public static long toRatio(long periodNs, long runtimeNs) {
        if (periodNs <= 0) return 0;
        return (runtimeNs << SHIFT) / periodNs;
    }

    /** Fixed-point to fraction of one CPU. */
    public static double toCpus(long fixed) { return fixed / (double) UNIT; }

    /** Fraction of one CPU to fixed-point, rounded down. */
    public static long ofCpus(double cpus) { return (long) Math.floor(cpus * UNIT); }

    /** Formats a fixed-point bandwidth as a percentage of one CPU, e.g. {@code 20.0%}. */
    public static String percent(long fixed) { return String.format(java.util.Locale.ROOT, "%.1f%%", toCpus(fixed) * 100); }
}
