package io.vmqos.lab.fleet;

import io.vmqos.analysis.PipelineAnalysis;
import io.vmqos.core.CostModel;
import io.vmqos.core.NetworkSla;
import io.vmqos.core.Reservation;
import io.vmqos.core.StageKind;

import java.util.EnumMap;
import java.util.Map;

/**
 * Whether a VM's SLA bound can hold on a host packed by vCPU count, judged by vmqos's own analysis: with every thread of
 * the host runnable (its neighbours busy, as in the demo's noisy scenario), the fair scheduler gives each of the host's
 * {@code T} threads (each VM's vCPUs and its main loop) {@code C/T} of its {@code C} CPUs, one base slice of 3 ms (EEVDF's
 * {@code base_slice} 0.75 ms × (1 + log2 of up to 8 CPUs)) every {@code T/C} slices: a periodic resource
 * (slice, slice × T/C). Each of the VM's stages is served by such a resource; {@link PipelineAnalysis} bounds the SLA's
 * traffic through them. The SLA cannot hold when that bound is above its latency (infinite when the share cannot carry
 * the rate). With {@code T <= C} every thread has a CPU of its own. Pure.
 */
public final class FairShareBound {
    /** The fair scheduler's slice on 8 or more CPUs. */
    public static final long SLICE_NS = 3_000_000L;

    private FairShareBound() {}

    /** The reservation each thread gets from fair sharing among {@code threads} threads on {@code cpus} CPUs. */
    public static Reservation fairShare(int cpus, long threads) {
        long period = threads <= cpus ? SLICE_NS : Math.ceilDiv(SLICE_NS * threads, cpus);
        return Reservation.of(SLICE_NS, period);
    }

    /** The delay bound of {@code sla} through every stage of {@code costs} at {@code share}, in ns ({@link Long#MAX_VALUE}: none). */
    public static long delayBoundNs(NetworkSla sla, CostModel costs, Reservation share, long overheadNs) {
        Map<StageKind, Reservation> r = new EnumMap<>(StageKind.class);
        for (StageKind k : costs.kinds()) r.put(k, share);
        return PipelineAnalysis.analyse(sla, costs, r, overheadNs).delayBoundNs();
    }

    /** True when {@code sla}'s bound holds at {@code share}. */
    public static boolean holds(NetworkSla sla, CostModel costs, Reservation share, long overheadNs) {
        return delayBoundNs(sla, costs, share, overheadNs) <= sla.latencyBoundNs();
    }
}
