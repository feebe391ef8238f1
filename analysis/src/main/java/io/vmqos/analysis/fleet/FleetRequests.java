package io.vmqos.analysis.fleet;

import io.vmqos.analysis.HostPolicy;
import io.vmqos.analysis.PlanHints;
import io.vmqos.analysis.PolicyInput;
import io.vmqos.core.CostModel;
import io.vmqos.core.CpuBandwidth;
import io.vmqos.core.InvalidInputException;
import io.vmqos.core.KernelLimits;
import io.vmqos.core.StageKind;
import io.vmqos.core.VmPlan;
import io.vmqos.core.config.HostConfig;
import io.vmqos.core.config.HostSection;
import io.vmqos.core.config.VmConfig;
import io.vmqos.core.desired.DesiredState;
import io.vmqos.core.fleet.ResourceRequest;
import io.vmqos.core.observed.DomainFacts;
import io.vmqos.core.observed.KernelFacts;

import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * What one VM asks of a fleet: the VM sized with the same analysis as {@code vmqos plan} ({@link HostPolicy}), on an
 * empty host large enough that admission does not limit it, its vCPU stage counted once per vCPU and every other
 * stage once. Pure; any thread.
 */
public final class FleetRequests {
    /** The CPUs of the empty host sized on: enough for any VM one host could take. */
    private static final int CPUS = 256;

    private FleetRequests() {}

    /**
     * The request for {@code vm}: its planned Q/P over all its threads, in millionths of a CPU (rounded up), with
     * {@code vcpus} VCPU (at least one vCPU thread) and {@code memoryMb} MEMORY_MB (0: not asked).
     *
     * @throws InvalidInputException when the VM cannot be sized (no reservations and no cost model, or an SLA no
     *     reservation can meet), naming why and the fix
     */
    public static ResourceRequest of(VmConfig vm, Optional<CostModel> costs, KernelLimits limits, int vcpus, long memoryMb) {
        TreeSet<Integer> cpus = new TreeSet<>();
        for (int i = 0; i < CPUS; i++) cpus.add(i);
        KernelFacts empty = new KernelFacts(List.of(new DomainFacts("fleet", cpus, CpuBandwidth.ZERO, new TreeMap<>(), List.of())), limits, 1_000_000_000L, 1_000_000_000L);
        HostConfig one = new HostConfig(new HostSection("", false, 0.0, List.of()), Optional.empty(), HostConfig.DEFAULT_OVERHEAD_NS, List.of(vm));
        PlanHints hints = new PlanHints(Map.of(vm.name(), Map.of(StageKind.VCPU, Math.max(1, vcpus))), Set.of());
        DesiredState d = HostPolicy.desired(new PolicyInput(one, costs, empty, Map.of(), List.of(), Set.of(), hints));
        VmPlan p = d.plan() == null ? null : d.plan().vm(vm.name());
        if (p == null) {
            String why = d.plan() == null || d.plan().refusals().isEmpty() ? String.join("; ", d.notes()) : d.plan().refusals().getFirst().toString();
            throw new InvalidInputException("vm " + vm.name(), "cannot be sized: " + why, "give it reservations, or an SLA and --cost-model");
        }
        return ResourceRequest.of(p.bandwidth(), vcpus, memoryMb);
    }
}
