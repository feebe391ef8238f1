package io.vmqos.linux;

import io.vmqos.core.CpuList;
import io.vmqos.core.CpuBandwidth;

import java.util.BitSet;
import java.util.List;

/**
 * One root domain's DEADLINE bandwidth ledger as the kernel keeps it, next to what vmqos can explain of it.
 * Bandwidths are exact in the kernel's fixed point ({@link CpuBandwidth#kernelUnits()}). Immutable value.
 *
 * @param cpus the root domain's CPUs, ascending
 * @param perCpuBw {@code dl_bw->bw}, the DEADLINE cap of one CPU (default 95%: 996147 kernel units); -1 kernel
 *     unit = unlimited
 * @param capacity {@code perCpuBw * cpus.size()}, what admission control lets the domain hold in total;
 *     {@link #UNLIMITED} when unlimited
 * @param kernelTotal {@code dl_bw->total_bw}, what the kernel believes is held
 * @param serversTotal the deadline servers' (fair_server, ext_server) share on these CPUs
 * @param threadsTotal the sum of the live DEADLINE threads' bandwidths
 * @param threads those threads
 */
public record RootDomainLedger(List<Integer> cpus, CpuBandwidth perCpuBw, CpuBandwidth capacity, CpuBandwidth kernelTotal,
                               CpuBandwidth serversTotal, CpuBandwidth threadsTotal, List<DeadlineThread> threads) {

    /** The {@link #capacity()} of a domain whose DEADLINE bandwidth the kernel does not limit. */
    public static final CpuBandwidth UNLIMITED = CpuBandwidth.ofKernelUnits(Long.MAX_VALUE);

    /**
     * Allowed |unaccounted| per DEADLINE entity (thread or server): 2 kernel units (1 unit ≈ 1e-6 CPU).
     * The kernel's total is the exact sum of {@code (runtime << 20) / period} per entity and vmqos computes the
     * same expression from the same parameters, so a consistent read differs by 0. The margin absorbs an
     * off-by-one rounding per entity should a kernel round differently (or an assumed server default be
     * rounded differently) without hiding any leak worth repairing: the smallest reservation vmqos makes
     * (~0.1% of a CPU) is ~1000 units, so even 100 threads' tolerance stays 5x below it.
     */
    public static final CpuBandwidth TOLERANCE_PER_ENTITY = CpuBandwidth.ofKernelUnits(2);

    public RootDomainLedger {
        cpus = List.copyOf(cpus);
        threads = List.copyOf(threads);
    }

    /** True when the kernel does not limit this domain's DEADLINE bandwidth (capacity {@link #UNLIMITED}). */
    public boolean unlimited() { return capacity.equals(UNLIMITED); }

    /** Bandwidth the kernel counts but no live thread or server holds; positive means leaked, negative a racing read. */
    public CpuBandwidth unaccounted() { return kernelTotal.minus(serversTotal).minus(threadsTotal); }

    /** Bandwidth still admissible in this domain ({@code capacity - kernelTotal}; {@link #UNLIMITED} when unlimited). */
    public CpuBandwidth free() { return unlimited() ? UNLIMITED : capacity.minus(kernelTotal); }

    /** True when more than {@code tolerance} is counted but held by nobody. */
    public boolean leaked(CpuBandwidth tolerance) { return unaccounted().exceeds(tolerance); }

    /**
     * True when the kernel counts less than the live threads and servers hold, by more than {@code tolerance}: seen on
     * 6.18 after some root domain rebuilds, where the deadline servers' share went missing from {@code total_bw} until
     * the next rebuild. The kernel then admits more than its capacity allows; a rebuild recounts it.
     */
    public boolean underCounted(CpuBandwidth tolerance) { return unaccounted().isNegative() && CpuBandwidth.ZERO.minus(unaccounted()).exceeds(tolerance); }

    /**
     * What admission must count as held: the kernel's counter when it agrees with the live threads and servers (within
     * the default tolerance), else what they hold (a leak is repaired before it matters; an under-count must not let
     * vmqos admit more than the capacity).
     */
    public CpuBandwidth held() { return consistent() ? kernelTotal : serversTotal.plus(threadsTotal); }

    /** {@link #TOLERANCE_PER_ENTITY} times the number of threads and servers (one server per CPU at least). */
    public CpuBandwidth defaultTolerance() { return TOLERANCE_PER_ENTITY.times(threads.size() + Math.max(1, cpus.size())); }

    /** True when the kernel's count differs from what is explained by more than the default tolerance, either way. */
    public boolean consistent() { return Math.abs(unaccounted().kernelUnits()) <= defaultTolerance().kernelUnits(); }

    /** True when admission control would accept {@code additional} more bandwidth. */
    public boolean fits(CpuBandwidth additional) { return unlimited() || !kernelTotal.plus(additional).exceeds(capacity); }

    /** The CPUs as a kernel CPU list, e.g. {@code 0-1}. */
    public String cpuList() {
        BitSet b = new BitSet();
        for (int c : cpus) b.set(c);
        return CpuList.format(b);
    }

    /**
     * One line for people, in % of one CPU, e.g.
     * {@code CPUs 0-1: held 30.0% of 190.0% (servers 10.0%, 1 DEADLINE thread 20.0%, unaccounted 0.0%), free 160.0%}.
     */
    public String describe() {
        return "CPUs " + cpuList() + ": held " + kernelTotal.percent() + " of " + cap()
                + " (servers " + serversTotal.percent() + ", " + threads.size() + " DEADLINE thread"
                + (threads.size() == 1 ? "" : "s") + " " + threadsTotal.percent()
                + ", unaccounted " + unaccounted().percent() + (leaked(defaultTolerance()) ? " LEAKED" : underCounted(defaultTolerance()) ? " UNDER-COUNTED" : "")
                + "), free " + (unlimited() ? "unlimited" : free().percent());
    }

    /**
     * Why the kernel would refuse {@code requested} more bandwidth with EBUSY, for error messages: names the
     * shortfall, what holds the capacity and, when there is a leak, the repair.
     */
    public String describeShortfall(CpuBandwidth requested) {
        String s = "admission needs " + requested.percent() + " more on CPUs " + cpuList() + " but only "
                + (unlimited() ? "unlimited" : free().max(CpuBandwidth.ZERO).percent()) + " of " + cap()
                + " is free (held: servers " + serversTotal.percent() + ", " + threads.size() + " DEADLINE threads "
                + threadsTotal.percent() + ", unaccounted " + unaccounted().percent() + ")";
        if (leaked(defaultTolerance())) s += "; the kernel leaked " + unaccounted().percent() + ": repair the ledger (vmqos ledger repair)";
        return s;
    }

    private String cap() { return unlimited() ? "unlimited" : capacity.percent(); }
}
