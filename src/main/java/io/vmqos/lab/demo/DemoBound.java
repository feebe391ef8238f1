package io.vmqos.lab.demo;

import io.vmqos.analysis.PipelineAnalysis;
import io.vmqos.analysis.PipelineBound;
import io.vmqos.analysis.SizingPolicy;
import io.vmqos.core.CostModel;
import io.vmqos.core.NetworkSla;
import io.vmqos.core.Reservation;
import io.vmqos.core.StageCost;
import io.vmqos.core.StageKind;

import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The latency bound vmqos guarantees the demo's echo under noisy+vmqos, from network calculus over the reserved
 * stages (QEMU main loop "io" and vCPU).
 *
 * <p>Model: an echo is two packets through every stage (the request in, the reply out), so each stage serves
 * {@code 2 × rate} packets/s with a burst of 2 (the load is paced). The request crosses io then vcpu, the reply
 * vcpu then io; each crossing is bounded by the pipeline's delay bound for that aggregate flow, so the round
 * trip is bounded by twice it. The bound covers the reserved threads only: not the host's NAPI threads (unreserved
 * in this scenario), the client or the wire. Pure.
 */
public final class DemoBound {
    private DemoBound() {}

    /** The result: the bound in ns (or {@code Long.MAX_VALUE} when the reservations cannot carry the rate) and the model used. */
    public record Bound(long roundTripNs, PipelineBound oneWay, CostModel costs, Map<String, Object> model) {}

    /**
     * A cost model from one isolated measurement: each stage's CPU share over the packets it carried. It includes the
     * stage's idle work (timer ticks), so it over-estimates the per-packet cost: the bound errs on the safe side.
     *
     * @param ioShare busiest io thread's fraction of a CPU; {@code vcpuShare} likewise
     * @param echoRate requests per second during the measurement
     */
    public static CostModel fromMeasurement(double ioShare, double vcpuShare, long echoRate) {
        double pps = 2.0 * echoRate;
        Map<StageKind, StageCost> m = new EnumMap<>(StageKind.class);
        m.put(StageKind.IO, new StageCost(Math.max(1, ioShare * 1e9 / pps), 0));
        m.put(StageKind.VCPU, new StageCost(Math.max(1, vcpuShare * 1e9 / pps), 0));
        return new CostModel(m);
    }

    /** The round-trip bound for an echo at {@code rate} req/s of {@code size} bytes under these reservations. */
    public static Bound of(CostModel costs, Reservation io, Reservation vcpu, long rate, int size) {
        NetworkSla sla = new NetworkSla(2 * rate, size, 2, Long.MAX_VALUE / 4);
        Map<StageKind, Reservation> r = new EnumMap<>(StageKind.class);
        r.put(StageKind.IO, io);
        r.put(StageKind.VCPU, vcpu);
        long overhead = SizingPolicy.DEFAULT.overheadPerActivationNs();
        PipelineBound b = PipelineAnalysis.analyse(sla, costs, r, overhead);
        long rtt = b.bounded() ? 2 * b.delayBoundNs() : Long.MAX_VALUE;
        Map<String, Object> model = new LinkedHashMap<>();
        model.put("packetsPerSecondPerStage", 2 * rate);
        model.put("burstPackets", 2);
        model.put("ioCostNsPerPacket", costs.cpuNsPerPacket(StageKind.IO, size));
        model.put("vcpuCostNsPerPacket", costs.cpuNsPerPacket(StageKind.VCPU, size));
        model.put("overheadPerActivationNs", overhead);
        model.put("oneWayBoundNs", b.delayBoundNs());
        return new Bound(rtt, b, costs, model);
    }
}
