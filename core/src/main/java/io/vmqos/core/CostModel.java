package io.vmqos.core;

import java.util.Collections;
import java.util.EnumMap;
import java.util.Map;
import java.util.Set;

/**
 * The CPU cost of each stage of a VM's pipeline. Only the stages present get a reservation; iteration is in
 * {@link StageKind} order. Immutable (defensive copy).
 *
 * @param stages stage kind → its cost; must not be empty
 */
public record CostModel(Map<StageKind, StageCost> stages) {

    public CostModel {
        if (stages == null || stages.isEmpty()) throw new InvalidInputException("costModel", "has no stage", "give the cost of at least one of NAPI, IO, VCPU");
        EnumMap<StageKind, StageCost> copy = new EnumMap<>(StageKind.class);
        for (Map.Entry<StageKind, StageCost> e : stages.entrySet()) {
            if (e.getKey() == null || e.getValue() == null) throw new InvalidInputException("costModel", "has a null stage or cost", "remove the empty entry");
            copy.put(e.getKey(), e.getValue());
        }
        stages = Collections.unmodifiableMap(copy);
    }

    /** All three stages with the given costs. */
    public static CostModel of(StageCost napi, StageCost io, StageCost vcpu) {
        EnumMap<StageKind, StageCost> m = new EnumMap<>(StageKind.class);
        m.put(StageKind.NAPI, napi);
        m.put(StageKind.IO, io);
        m.put(StageKind.VCPU, vcpu);
        return new CostModel(m);
    }

    /** The stages present, in pipeline order. */
    /** This model with {@code own}'s stages in place of its own (a VM's own fit over the host's; stages it lacks kept). */
    public CostModel overriddenBy(CostModel own) {
        java.util.EnumMap<StageKind, StageCost> m = new java.util.EnumMap<>(StageKind.class);
        m.putAll(stages);
        m.putAll(own.stages);
        return new CostModel(m);
    }

    public Set<StageKind> kinds() { return stages.keySet(); }

    /** The cost of a stage; throws {@link InvalidInputException} when the model lacks it. */
    public StageCost cost(StageKind kind) {
        StageCost c = stages.get(kind);
        if (c == null) throw new InvalidInputException("costModel." + kind, "is missing", "give the cost of stage " + kind + " or leave it out of the plan");
        return c;
    }

    /** CPU nanoseconds {@code kind} spends on one packet of {@code packetBytes} bytes. */
    public double cpuNsPerPacket(StageKind kind, int packetBytes) { return cost(kind).cpuNsPerPacket(packetBytes); }
}
