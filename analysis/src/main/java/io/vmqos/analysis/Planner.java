package io.vmqos.analysis;

import io.vmqos.core.CpuBandwidth;
import io.vmqos.core.Durations;
import io.vmqos.core.HostCapacity;
import io.vmqos.core.HostPlan;
import io.vmqos.core.InvalidInputException;
import io.vmqos.core.Placement;
import io.vmqos.core.Refusal;
import io.vmqos.core.RootDomain;
import io.vmqos.core.VmPlan;
import io.vmqos.core.VmRequest;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.OptionalLong;
import java.util.Set;
import java.util.TreeMap;

/**
 * Plans a host: sizes every VM ({@link Sizer}), admits them ({@link Admission}) and explains refusals with what
 * would fit. Pure (no I/O), deterministic and thread-safe: requests are sorted by VM name, sized, then admitted
 * in decreasing total bandwidth order (first-fit decreasing; ties by name), so the input order never matters.
 *
 * <p>Refused VMs do not block others: the {@link HostPlan} holds the plans of those admitted and one
 * {@link Refusal} per other VM. For an admission refusal the largest rate (same burst and bound) and the smallest latency bound
 * (same rate) that would have been admitted at that point are found by bisection over sizing + admission.
 */
public final class Planner {
    private final Sizer sizer;

    public Planner(Sizer sizer) { this.sizer = sizer; }

    /** The plan of the VMs admitted, with one refusal per other VM. */
    public HostPlan plan(HostCapacity host, List<VmRequest> requests) {
        List<VmRequest> sorted = new ArrayList<>(requests);
        sorted.sort(Comparator.comparing(VmRequest::vm));
        Set<String> names = new HashSet<>();
        for (VmRequest r : sorted) {
            if (!names.add(r.vm())) throw new InvalidInputException("vms", "VM name '" + r.vm() + "' appears twice", "give each VM a distinct name");
        }
        List<Refusal> refusals = new ArrayList<>();
        List<Sized> sized = new ArrayList<>(sorted.size());
        for (VmRequest r : sorted) {
            SizingOutcome out = sizer.size(r.vm(), r.sla(), r.costs(), r.explicit());
            switch (out) {
                case SizingOutcome.Fits f -> sized.add(new Sized(r, BackgroundLoad.widen(f.plan(), r.costs()).withThreads(r.threads())));
                case SizingOutcome.Refused x -> refusals.add(x.refusal());
            }
        }
        sized.sort(Comparator.comparing((Sized s) -> s.plan.bandwidth()).reversed().thenComparing(s -> s.request.vm()));

        Admission admission = new Admission(host);
        List<VmPlan> admitted = new ArrayList<>();
        List<Placement> placements = new ArrayList<>();
        for (Sized s : sized) {
            AdmissionDecision d = admission.admit(s.plan, s.request.rootDomain());
            switch (d) {
                case AdmissionDecision.Admitted a -> {
                    admitted.add(s.plan);
                    placements.addAll(a.placements());
                }
                case AdmissionDecision.Rejected rej -> refusals.add(explain(admission, s.request, rej));
            }
        }
        admitted.sort(Comparator.comparing(VmPlan::vm));
        placements.sort(Comparator.comparing(Placement::vm).thenComparing(Placement::stage).thenComparingInt(Placement::thread));
        TreeMap<String, CpuBandwidth> remaining = new TreeMap<>();
        TreeMap<Integer, CpuBandwidth> perCpu = new TreeMap<>();
        for (RootDomain d : host.rootDomains()) {
            remaining.put(d.name(), admission.remaining(d.name()));
            if (host.partitioned()) for (int cpu : d.cpus()) perCpu.put(cpu, admission.usedOnCpu(cpu));
        }
        CpuBandwidth total = CpuBandwidth.sum(admitted.stream().map(VmPlan::bandwidth).toList());
        return new HostPlan(admitted, placements, total, remaining, perCpu, refusals);
    }

    /** Builds the refusal for an admission rejection, searching what would still be admitted now. */
    private Refusal explain(Admission admission, VmRequest r, AdmissionDecision.Rejected rej) {
        OptionalLong rate = Sizer.largestTrue(r.sla().ratePps(), pps -> admits(admission, r, r.sla().withRatePps(pps)));
        OptionalLong latency = Sizer.smallestTrue(r.sla().latencyBoundNs(), l -> admits(admission, r, r.sla().withLatencyBoundNs(l)));
        StringBuilder msg = new StringBuilder("vm ").append(r.vm()).append(": ").append(rej.constraint()).append(": ").append(rej.detail())
                .append(" (short by ").append(rej.shortfall().missing().percent()).append(")");
        rate.ifPresent(x -> msg.append("; at most ").append(x).append(" pps would fit"));
        latency.ifPresent(x -> msg.append("; a latency bound of ").append(Durations.format(x)).append(" would fit"));
        if (rate.isEmpty() && latency.isEmpty()) msg.append("; nothing smaller fits: free bandwidth or add CPUs");
        return new Refusal(r.vm(), rej.constraint(), rej.shortfall(), rate, latency, msg.toString());
    }

    private boolean admits(Admission admission, VmRequest r, io.vmqos.core.NetworkSla sla) {
        SizingOutcome.Fits f = sizer.trySize(r.vm(), sla, r.costs(), r.explicit());
        return f != null && admission.check(BackgroundLoad.widen(f.plan(), r.costs()).withThreads(r.threads()), r.rootDomain()) instanceof AdmissionDecision.Admitted;
    }

    private record Sized(VmRequest request, VmPlan plan) {}
}
