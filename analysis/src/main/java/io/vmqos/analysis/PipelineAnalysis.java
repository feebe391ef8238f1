package io.vmqos.analysis;

import io.vmqos.core.CostModel;
import io.vmqos.core.InvalidInputException;
import io.vmqos.core.NetworkSla;
import io.vmqos.core.Reservation;
import io.vmqos.core.StageKind;
import io.vmqos.core.StageReservation;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * End-to-end network-calculus bound of a VM pipeline: traffic {@code γ_{r,b}} (packets) crosses the stages in
 * {@link StageKind} order, each a {@link PeriodicResource} serving packets that cost {@code c_i} CPU ns each.
 * Pure and thread-safe.
 *
 * <p>Two valid bounds are computed and the smaller is reported:
 * <ol>
 *   <li><b>Pay bursts only once</b> (Le Boudec &amp; Thiran Thm 1.4.6 and Sec. 1.4.3): each stage's linear bound
 *   in packets is {@code β_{q_i/(P_i c_i), P_i + D_i − 2q_i}}; their concatenation is
 *   {@code β_{min R_i, Σ T_i}}, whose delay is {@code Σ T_i + b / min R_i}.</li>
 *   <li><b>Exact, stage by stage</b>: the delay of each stage from the exact supply bound function, with the
 *   next stage fed the output envelope {@code γ_{r, b + r·d_i}} (output of a server with delay bound d).</li>
 * </ol>
 * Backlog is bounded by {@code min(b + r ΣT, b + r·h)} packets with h the reported delay.
 */
public final class PipelineAnalysis {
    private PipelineAnalysis() {}

    /**
     * Bounds the SLA's traffic through the given reservations.
     *
     * @param reservations one per stage of {@code costs} (extra keys are refused)
     * @param overheadNs per-activation overhead subtracted from each runtime before it counts as supply
     * @throws InvalidInputException when a stage lacks a reservation or its runtime does not exceed the overhead
     */
    public static PipelineBound analyse(NetworkSla sla, CostModel costs, Map<StageKind, Reservation> reservations, long overheadNs) {
        List<StageReservation> out = new ArrayList<>(costs.kinds().size());
        double r = sla.ratePps() / 1e9;           // packets per ns
        double b = sla.burstPackets();
        double latencySum = 0;
        double minRate = Double.POSITIVE_INFINITY; // packets per ns
        double seqDelay = 0;
        double seqBurst = b;
        for (StageKind kind : costs.kinds()) {
            Reservation res = reservations.get(kind);
            if (res == null) throw new InvalidInputException("reservations." + kind, "is missing", "give a reservation for every stage in the cost model");
            if (res.runtimeNs() <= overheadNs) throw new InvalidInputException("reservations." + kind, "runtime " + res + " is not above the per-activation overhead of " + overheadNs + "ns", "raise the runtime or lower the overhead allowance");
            double c = costs.cpuNsPerPacket(kind, sla.packetBytes());
            PeriodicResource pr = PeriodicResource.of(res, overheadNs);
            RateLatencyCurve pkts = pr.linearBound().inPackets(c);
            latencySum += pkts.latencyNs();
            minRate = Math.min(minRate, pkts.rate());
            if (seqDelay != Double.POSITIVE_INFINITY) {
                double d = pr.delayBound(new TokenBucket(r, seqBurst).inCpuTime(c));
                seqDelay += d;
                seqBurst += r * d;
            }
            out.add(new StageReservation(kind, res, (long) Math.floor(pkts.rate() * 1e9), (long) Math.ceil(pkts.latencyNs())));
        }
        for (StageKind kind : reservations.keySet()) {
            if (!costs.kinds().contains(kind)) throw new InvalidInputException("reservations." + kind, "has no cost in the cost model", "give its cost or drop the reservation");
        }
        RateLatencyCurve chain = new RateLatencyCurve(minRate, latencySum);
        TokenBucket arrivals = new TokenBucket(r, b);
        double linear = chain.delayBound(arrivals);
        double delay = Math.min(linear, seqDelay);
        double backlog = Math.min(chain.backlogBound(arrivals), delay == Double.POSITIVE_INFINITY ? delay : b + r * delay);
        return new PipelineBound(out, ceilNs(delay), ceilNs(linear), ceilNs(seqDelay), ceilNs(backlog));
    }

    /**
     * Rounds a bound up to a whole unit, ignoring floating-point noise below one part per billion (so that
     * 10 / 2e-4 = 50000.000000000004 gives 50000); infinite or huge bounds become {@link Long#MAX_VALUE}.
     */
    static long ceilNs(double v) {
        if (!(v < 9.0e18)) return Long.MAX_VALUE;
        return (long) Math.ceil(v - 1e-9 * Math.abs(v));
    }
}
