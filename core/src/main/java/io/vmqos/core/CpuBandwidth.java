package io.vmqos.core;

import java.util.Collection;
import java.util.Locale;

/**
 * Deadline bandwidth, a share of CPU, held in the kernel's fixed point: kernelUnits = share × 2^20 (BW_SHIFT).
 * Signed: a difference (net growth) may be negative.
 *
 * <p>The kernel's own unit ({@code BW_SHIFT} in kernel/sched/sched.h): sums built with {@link #ofRuntime}, which
 * rounds like the kernel's {@code to_ratio()}, compare exactly with the kernel's {@code dl_bw->total_bw}.
 * Immutable value; arithmetic does not check for overflow (one CPU is 2^20 units, so a long holds about 8.8
 * million million CPUs).
 *
 * @param kernelUnits the share of one CPU × 2^20 (one CPU = 1048576)
 */
public record CpuBandwidth(long kernelUnits) implements Comparable<CpuBandwidth> {
    /** {@code BW_SHIFT}: one CPU is {@code 1 << SHIFT} kernel units. */
    public static final int SHIFT = 20;
    /** No bandwidth. */
    public static final CpuBandwidth ZERO = new CpuBandwidth(0);
    /** One full CPU, 2^20 kernel units. */
    public static final CpuBandwidth ONE_CPU = new CpuBandwidth(1L << SHIFT);

    private static final long UNIT = 1L << SHIFT;
    private static final long MILLION = 1_000_000L;

    /** The bandwidth of {@code units} kernel fixed-point units. */
    public static CpuBandwidth ofKernelUnits(long units) { return new CpuBandwidth(units); }

    /**
     * {@code runtime / period} as the kernel's {@code to_ratio()} computes it: {@code (runtime << 20) / period},
     * rounded down; {@link #ZERO} for a period {@code <= 0}.
     */
    public static CpuBandwidth ofRuntime(long runtimeNs, long periodNs) {
        if (periodNs <= 0) return ZERO;
        return new CpuBandwidth((runtimeNs << SHIFT) / periodNs);
    }

    /**
     * The density {@code runtime / deadline}, rounded up (a guarantee test must not round in its favour).
     *
     * @throws ArithmeticException for a deadline of 0
     */
    public static CpuBandwidth ofDensity(long runtimeNs, long deadlineNs) {
        return new CpuBandwidth(Math.ceilDiv(runtimeNs << SHIFT, deadlineNs));
    }

    /** A fraction of one CPU (1.0 = one CPU), rounded down. */
    public static CpuBandwidth ofCpus(double cpus) { return new CpuBandwidth((long) Math.floor(cpus * UNIT)); }

    /** Millionths of one CPU (OpenStack Placement's unit), rounded down. */
    public static CpuBandwidth ofMillionths(long millionthsOfACpu) {
        long whole = Math.floorDiv(millionthsOfACpu, MILLION);
        long rest = Math.floorMod(millionthsOfACpu, MILLION);
        return new CpuBandwidth(whole * UNIT + Math.floorDiv(rest * UNIT, MILLION));
    }

    /** The fraction of one CPU (1.0 = one CPU). */
    public double cpus() { return kernelUnits / (double) UNIT; }

    /** Millionths of one CPU, rounded up, so that a published request never under-asks. */
    public long millionths() {
        long whole = Math.floorDiv(kernelUnits, UNIT);
        long rest = Math.floorMod(kernelUnits, UNIT);
        return whole * MILLION + Math.ceilDiv(rest * MILLION, UNIT);
    }

    /** Millionths of one CPU, rounded down, so that a published capacity never over-states the kernel's. */
    public long millionthsDown() {
        long whole = Math.floorDiv(kernelUnits, UNIT);
        long rest = Math.floorMod(kernelUnits, UNIT);
        return whole * MILLION + Math.floorDiv(rest * MILLION, UNIT);
    }

    public CpuBandwidth plus(CpuBandwidth o) { return new CpuBandwidth(kernelUnits + o.kernelUnits); }

    public CpuBandwidth minus(CpuBandwidth o) { return new CpuBandwidth(kernelUnits - o.kernelUnits); }

    public CpuBandwidth times(long n) { return new CpuBandwidth(kernelUnits * n); }

    /** The larger of the two. */
    public CpuBandwidth max(CpuBandwidth o) { return kernelUnits >= o.kernelUnits ? this : o; }

    /** The smaller of the two. */
    public CpuBandwidth min(CpuBandwidth o) { return kernelUnits <= o.kernelUnits ? this : o; }

    /**
     * The fraction {@code f} of this bandwidth, rounded up ({@code ceil(kernelUnits × f)}), e.g. the host reserve
     * of a capacity, which must never be less than asked.
     */
    public CpuBandwidth fractionOf(double f) { return new CpuBandwidth((long) Math.ceil(kernelUnits * f)); }

    public boolean isPositive() { return kernelUnits > 0; }

    public boolean isZero() { return kernelUnits == 0; }

    public boolean isNegative() { return kernelUnits < 0; }

    /** True when this is more than {@code o}. */
    public boolean exceeds(CpuBandwidth o) { return kernelUnits > o.kernelUnits; }

    /** A percentage of one CPU with one decimal, e.g. {@code 20.0%}. */
    public String percent() { return String.format(Locale.ROOT, "%.1f%%", cpus() * 100); }

    /** The sum of {@code all} ({@link #ZERO} when empty). */
    public static CpuBandwidth sum(Collection<CpuBandwidth> all) {
        long s = 0;
        for (CpuBandwidth b : all) s += b.kernelUnits;
        return new CpuBandwidth(s);
    }

    @Override
    public int compareTo(CpuBandwidth o) { return Long.compare(kernelUnits, o.kernelUnits); }

    /** {@link #percent()}. */
    @Override
    public String toString() { return percent(); }
}
