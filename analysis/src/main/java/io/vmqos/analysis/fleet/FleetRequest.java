package io.vmqos.analysis.fleet;

import io.vmqos.analysis.Admission;
import io.vmqos.analysis.AdmissionDecision;
import io.vmqos.analysis.BackgroundLoad;
import io.vmqos.analysis.HostPolicy;
import io.vmqos.analysis.Sizer;
import io.vmqos.analysis.SizingOutcome;
import io.vmqos.analysis.SizingPolicy;
import io.vmqos.core.CostModel;
import io.vmqos.core.HostCapacity;
import io.vmqos.core.InvalidInputException;
import io.vmqos.core.KernelLimits;
import io.vmqos.core.NetworkSla;
import io.vmqos.core.StageKind;
import io.vmqos.core.VmPlan;
import io.vmqos.core.config.VmFile;
import io.vmqos.core.fleet.ResourceRequest;

import java.util.EnumMap;
import java.util.Map;
import java.util.Optional;

/**
 * What one VM asks of a fleet: its reservations, sized by the same analysis as {@code vmqos plan} ({@link Sizer}, then
 * widened by each stage's background load), and the {@link ResourceRequest} they make: their deadline bandwidth in
 * millionths of a CPU, rounded up, with the VM's vCPUs and memory. Each vCPU thread gets the vcpu stage's reservation
 * (as {@code plan} gives every vCPU thread of a running VM); the io stage counts one thread (QEMU's main loop: a VM
 * placed has no iothreads yet) and the napi stage one (the host's NAPI thread, which a host shares between VMs and
 * sizes for their sum: charging each VM its own napi reservation is never less). A VM without an SLA, or without a
 * cost model, asks for its explicit reservations. Pure and thread-safe.
 */
public final class FleetRequest {
    /** The VM's plan on any host (rates, latency and delay bound as {@code plan} states them) and what it asks. */
    public record Sized(VmPlan plan, ResourceRequest request) {}

    private final Sizer sizer;
    private final long overheadNs;

    /** @param overheadPerActivationNs CPU time lost per reservation period (host.yaml's {@code overheadPerActivation}) */
    public FleetRequest(KernelLimits limits, long overheadPerActivationNs) {
        this.sizer = new Sizer(limits, SizingPolicy.DEFAULT.withOverhead(overheadPerActivationNs));
        this.overheadNs = overheadPerActivationNs;
    }

    /**
     * Sizes {@code vm}.
     *
     * @param costs the cost model its SLA is sized with; empty: its explicit reservations only
     * @throws FleetRefusedException when no reservations meet its SLA (the sizing's reason and fix)
     * @throws InvalidInputException when it needs sizing but no cost model is given, or an explicit stage has no cost
     */
    public Sized size(VmFile vm, Optional<CostModel> costs) {
        Optional<NetworkSla> sla = vm.vm().sizingSla();
        Map<StageKind, Integer> threads = new EnumMap<>(StageKind.class);
        threads.put(StageKind.VCPU, vm.vcpuThreads());
        VmPlan plan;
        if (sla.isPresent() && costs.isPresent()) {
            for (StageKind k : vm.vm().explicit().keySet()) {
                if (!costs.get().kinds().contains(k)) {
                    throw new InvalidInputException("reservations." + k.name().toLowerCase(java.util.Locale.ROOT), "the cost model has no such stage",
                            "remove this reservation or add the stage's cost to the cost model (vmqos calibrate)");
                }
            }
            plan = switch (sizer.size(vm.vm().name(), sla.get(), costs.get(), vm.vm().explicit())) {
                case SizingOutcome.Fits f -> BackgroundLoad.widen(f.plan(), costs.get()).withThreads(threads);
                case SizingOutcome.Refused r -> throw new FleetRefusedException(r.refusal().message());
            };
        } else if (!vm.vm().explicit().isEmpty()) {
            plan = HostPolicy.fixedPlan(vm.vm(), sla.orElse(null), overheadNs).withThreads(threads);
        } else {
            throw new InvalidInputException("costModel", "is missing: VM " + vm.vm().name() + " has an SLA to size", "add 'costModel: costs.yaml' (vmqos calibrate writes it), or give its reservations");
        }
        return new Sized(plan, new ResourceRequest(plan.bandwidth().millionths(), vm.vcpus(), vm.memoryMb()));
    }

    /**
     * {@link #size}, refused also when no host of {@code shape} could admit it even empty (e.g. a thread above one CPU's
     * share under partitioned EDF, or more than a whole host): Placement would have no candidate, and this says why.
     */
    public Sized size(VmFile vm, Optional<CostModel> costs, HostCapacity shape) {
        Sized s = size(vm, costs);
        if (new Admission(shape).check(s.plan(), null) instanceof AdmissionDecision.Rejected r) {
            throw new FleetRefusedException("vm " + vm.vm().name() + ": no host of " + shape.rootDomains().getFirst().cpus().size() + " CPUs"
                    + (shape.partitioned() ? " (partitioned)" : "") + " could admit it even empty: " + r.constraint() + ": " + r.detail()
                    + "; fix: relax its SLA or split its traffic over more queues");
        }
        return s;
    }
}
