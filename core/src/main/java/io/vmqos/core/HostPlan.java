package io.vmqos.core;

import java.util.Collections;
import java.util.List;
import java.util.SortedMap;
import java.util.TreeMap;

/**
 * The admitted plans of a host: per-VM reservations, where each stage thread runs and the bandwidth left.
 * Immutable; lists are sorted by VM name then stage so that equal inputs give equal plans.
 *
 * @param vms admitted VM plans, sorted by VM name
 * @param placements one per stage thread, sorted by VM name then stage
 * @param totalBandwidth sum of the admitted reservations' bandwidths Q/P
 * @param remainingPerRootDomain bandwidth still admissible per root domain (by name) after the host reserve, what
 *     others hold and this plan
 * @param usedPerCpu density Q/D planned on each CPU, as a bandwidth (partitioned placement only; empty under
 *     global EDF)
 */
public record HostPlan(List<VmPlan> vms, List<Placement> placements, CpuBandwidth totalBandwidth,
                       SortedMap<String, CpuBandwidth> remainingPerRootDomain, SortedMap<Integer, CpuBandwidth> usedPerCpu) {
    public HostPlan {
        vms = List.copyOf(vms);
        placements = List.copyOf(placements);
        remainingPerRootDomain = Collections.unmodifiableSortedMap(new TreeMap<>(remainingPerRootDomain));
        usedPerCpu = Collections.unmodifiableSortedMap(new TreeMap<>(usedPerCpu));
    }

    /** The plan of a VM, or null. */
    public VmPlan vm(String name) {
        for (VmPlan p : vms) if (p.vm().equals(name)) return p;
        return null;
    }
}
