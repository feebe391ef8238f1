package io.vmqos.core;

import java.util.List;

/**
 * The reservations planned for one VM and the guarantee they give for its SLA.
 *
 * @param vm the VM's name
 * @param sla the SLA the plan was made for
 * @param stages one reservation per stage, in {@link StageKind} order
 * @param delayBoundNs guaranteed end-to-end delay bound in nanoseconds for traffic within the SLA envelope
 *     ({@code <= sla.latencyBoundNs()} for an admitted plan)
 * @param backlogBoundPackets the most packets that can be queued inside the pipeline at once: the buffers
 *     (rings, socket queues) must hold this many for the guarantee to be lossless
 */
public record VmPlan(String vm, NetworkSla sla, List<StageReservation> stages, long delayBoundNs, long backlogBoundPackets) {
    public VmPlan {
        if (vm == null || vm.isBlank()) throw new InvalidInputException("vm", "name is missing", "give every VM a name");
        stages = List.copyOf(stages);
    }

    /** Sum of the stages' bandwidths Q/P over all their threads, as the kernel's admission counts them. */
    public CpuBandwidth bandwidth() {
        CpuBandwidth sum = CpuBandwidth.ZERO;
        for (StageReservation s : stages) sum = sum.plus(s.bandwidth());
        return sum;
    }

    /** The same plan with each stage's thread count from {@code threads} (stages absent keep theirs). */
    public VmPlan withThreads(java.util.Map<StageKind, Integer> threads) {
        List<StageReservation> out = new java.util.ArrayList<>();
        for (StageReservation s : stages) out.add(threads.containsKey(s.stage()) ? s.withThreads(threads.get(s.stage())) : s);
        return new VmPlan(vm, sla, out, delayBoundNs, backlogBoundPackets);
    }

    /** The reservation of a stage, or null when the VM's plan has no such stage. */
    public StageReservation stage(StageKind kind) {
        for (StageReservation s : stages) if (s.stage() == kind) return s;
        return null;
    }
}
