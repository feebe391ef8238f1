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

    /** The io and vcpu stages of a calibrated model (the demo reserves no NAPI thread in noisy+vmqos). */
    public static CostModel reservedStages(CostModel calibrated) {
        Map<StageKind, StageCost> m = new EnumMap<>(StageKind.class);
        for (StageKind k : new StageKind[] {StageKind.IO, StageKind.VCPU}) {
            if (!calibrated.kinds().contains(k)) {
                throw new io.vmqos.core.InvalidInputException("--cost-model", "has no " + k.name().toLowerCase() + " stage",
                        "calibrate with: vmqos calibrate -o costs.yaml");
            }
            m.put(k, calibrated.cost(k));
        }
        return new CostModel(m);
    }

    /**
     * What {@link #size} chose: the reservations the kernel gets ({@code io}, {@code vcpu}) and the shares of them
     * that serve packets ({@code ioPackets}, {@code vcpuPackets}), which the bound is computed over.
     */
    public record Sized(Reservation io, Reservation vcpu, Reservation ioPackets, Reservation vcpuPackets) {}

    /**
     * Reservations chosen by the analysis layer's {@link io.vmqos.analysis.Sizer} so that the round trip (twice the
     * one-way bound of the 2 × rate flow) stays within {@code roundTripNs}, then widened by each stage's background
     * load ({@link io.vmqos.analysis.BackgroundLoad}, from the cost model's {@code backgroundNsPerSecond}), as
     * {@code vmqos plan} does.
     *
     * @throws io.vmqos.core.InvalidInputException naming --latency when no reservation can meet it
     */
    public static Sized size(CostModel costs, long rate, int size, long roundTripNs, io.vmqos.core.KernelLimits limits) {
        NetworkSla sla = new NetworkSla(2 * rate, size, 2, roundTripNs / 2);
        var outcome = new io.vmqos.analysis.Sizer(limits, SizingPolicy.DEFAULT).size("demo", sla, costs);
        return switch (outcome) {
            case io.vmqos.analysis.SizingOutcome.Fits f -> {
                var widened = io.vmqos.analysis.BackgroundLoad.widen(f.plan(), costs);
                yield new Sized(widened.stage(StageKind.IO).reservation(), widened.stage(StageKind.VCPU).reservation(),
                        f.plan().stage(StageKind.IO).reservation(), f.plan().stage(StageKind.VCPU).reservation());
            }
            case io.vmqos.analysis.SizingOutcome.Refused r -> throw new io.vmqos.core.InvalidInputException("--latency",
                    r.refusal().message(), "ask a longer round trip or a lower --rate");
        };
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
