package io.vmqos.core;

import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.List;
import java.util.SortedMap;
import java.util.TreeMap;

/**
 * What planning a host gave: the admitted VMs' reservations, where each stage thread runs, the bandwidth left,
 * and the refusals of the VMs not admitted. The caller applies the plan only when {@link #complete()} if it wants
 * all-or-nothing. Immutable; lists are sorted by VM name (then stage) so that equal inputs give equal plans.
 *
 * @param vms admitted VM plans, sorted by VM name
 * @param placements one per stage thread, sorted by VM name then stage
 * @param totalBandwidth sum of the admitted reservations' bandwidths Q/P
 * @param remainingPerRootDomain bandwidth still admissible per root domain (by name) after the host reserve, what
 *     others hold and this plan
 * @param usedPerCpu density Q/D planned on each CPU, as a bandwidth (partitioned placement only; empty under
 *     global EDF)
 * @param refusals one per VM not admitted, sorted by VM name
 */
public record HostPlan(List<VmPlan> vms, List<Placement> placements, CpuBandwidth totalBandwidth,
                       SortedMap<String, CpuBandwidth> remainingPerRootDomain, SortedMap<Integer, CpuBandwidth> usedPerCpu,
                       List<Refusal> refusals) {
    public HostPlan {
        vms = List.copyOf(vms);
        placements = List.copyOf(placements);
        remainingPerRootDomain = Collections.unmodifiableSortedMap(new TreeMap<>(remainingPerRootDomain));
        usedPerCpu = Collections.unmodifiableSortedMap(new TreeMap<>(usedPerCpu));
        List<Refusal> sorted = new ArrayList<>(refusals);
        sorted.sort(Comparator.comparing(Refusal::vm));
        refusals = List.copyOf(sorted);
    }

    /** True when every VM was admitted. */
    public boolean complete() { return refusals.isEmpty(); }

    /** The plan of a VM, or null. */
    public VmPlan vm(String name) {
        for (VmPlan p : vms) if (p.vm().equals(name)) return p;
        return null;
    }
}
