package io.vmqos.linux;

import io.vmqos.core.Bandwidth;

import java.util.BitSet;
import java.util.List;

/**
 * One root domain's DEADLINE bandwidth ledger as the kernel keeps it, next to what vmqos can explain of it.
 * All bandwidths are kernel fixed point (2^20 = one CPU, see {@link Bandwidth}). Immutable value.
 *
 * @param cpus the root domain's CPUs, ascending
 * @param perCpuBw {@code dl_bw->bw}, the DEADLINE cap of one CPU (default 95%: 996147); -1 = unlimited
 * @param capacity {@code perCpuBw * cpus.size()}, what admission control lets the domain hold in total;
 *     {@link Long#MAX_VALUE} when unlimited
 * @param kernelTotal {@code dl_bw->total_bw}, what the kernel believes is held
 * @param serversTotal the deadline servers' (fair_server, ext_server) share on these CPUs
 * @param threadsTotal the sum of the live DEADLINE threads' bandwidths
 * @param threads those threads
 */
public record RootDomainLedger(List<Integer> cpus, long perCpuBw, long capacity, long kernelTotal,
                               long serversTotal, long threadsTotal, List<DeadlineThread> threads) {

    /**
     * Allowed |unaccounted| per DEADLINE entity (thread or server), in fixed-point units (1 unit ≈ 1e-6 CPU).
     * The kernel's total is the exact sum of {@code (runtime << 20) / period} per entity and vmqos computes the
     * same expression from the same parameters, so a consistent read differs by 0. The margin absorbs an
     * off-by-one rounding per entity should a kernel round differently (or an assumed server default be
     * rounded differently) without hiding any leak worth repairing: the smallest reservation vmqos makes
     * (~0.1% of a CPU) is ~1000 units, so even 100 threads' tolerance stays 5x below it.
     */
    public static final long TOLERANCE_PER_ENTITY = 2;

    public RootDomainLedger {
        cpus = List.copyOf(cpus);
        threads = List.copyOf(threads);
    }

    /** Bandwidth the kernel counts but no live thread or server holds; > 0 means leaked, < 0 a racing read. */
    public long unaccounted() { return kernelTotal - serversTotal - threadsTotal; }

    /** Bandwidth still admissible in this domain ({@code capacity - kernelTotal}). */
    public long free() { return capacity == Long.MAX_VALUE ? Long.MAX_VALUE : capacity - kernelTotal; }

    /** True when more than {@code tolerance} fixed-point units are counted but held by nobody. */
    public boolean leaked(long tolerance) { return unaccounted() > tolerance; }

    /** {@link #TOLERANCE_PER_ENTITY} times the number of threads and servers (one server per CPU at least). */
    public long defaultTolerance() { return TOLERANCE_PER_ENTITY * (threads.size() + Math.max(1, cpus.size())); }

    /** True when the kernel's count differs from what is explained by more than the default tolerance, either way. */
    public boolean consistent() { return Math.abs(unaccounted()) <= defaultTolerance(); }

    /** True when admission control would accept {@code additional} more bandwidth. */
    public boolean fits(long additional) { return capacity == Long.MAX_VALUE || kernelTotal + additional <= capacity; }

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
        return "CPUs " + cpuList() + ": held " + Bandwidth.percent(kernelTotal) + " of " + cap()
                + " (servers " + Bandwidth.percent(serversTotal) + ", " + threads.size() + " DEADLINE thread"
                + (threads.size() == 1 ? "" : "s") + " " + Bandwidth.percent(threadsTotal)
                + ", unaccounted " + Bandwidth.percent(unaccounted()) + (leaked(defaultTolerance()) ? " LEAKED" : "")
                + "), free " + (capacity == Long.MAX_VALUE ? "unlimited" : Bandwidth.percent(free()));
    }

    /**
     * Why the kernel would refuse {@code requested} more bandwidth with EBUSY, for error messages: names the
     * shortfall, what holds the capacity and, when there is a leak, the repair.
     */
    public String describeShortfall(long requested) {
        String s = "admission needs " + Bandwidth.percent(requested) + " more on CPUs " + cpuList() + " but only "
                + (capacity == Long.MAX_VALUE ? "unlimited" : Bandwidth.percent(Math.max(0, free()))) + " of " + cap()
                + " is free (held: servers " + Bandwidth.percent(serversTotal) + ", " + threads.size() + " DEADLINE threads "
                + Bandwidth.percent(threadsTotal) + ", unaccounted " + Bandwidth.percent(unaccounted()) + ")";
        if (leaked(defaultTolerance())) s += "; the kernel leaked " + Bandwidth.percent(unaccounted()) + ": repair the ledger (vmqos ledger repair)";
        return s;
    }

    private String cap() { return capacity == Long.MAX_VALUE ? "unlimited" : Bandwidth.percent(capacity); }
}
