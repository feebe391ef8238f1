package io.vmqos.host.fleet;

import io.vmqos.analysis.HostPolicy;
import io.vmqos.analysis.fleet.FleetInventory;
import io.vmqos.core.CpuBandwidth;
import io.vmqos.core.HostCapacity;
import io.vmqos.core.config.HostConfig;
import io.vmqos.core.fleet.HostInventory;
import io.vmqos.core.fleet.VmHolding;
import io.vmqos.core.observed.DomainFacts;
import io.vmqos.core.observed.HeldThread;
import io.vmqos.core.observed.KernelFacts;
import io.vmqos.host.state.HostRecord;
import io.vmqos.host.state.Owner;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.UUID;

/**
 * What this host publishes into Placement, read from what the kernel holds now ({@link KernelFacts}) and vmqos's
 * record (which VM each reserved thread belongs to), through the pure {@link FleetInventory}. A VM counts when at
 * least one of its recorded threads is a live DEADLINE thread; a thread several VMs share is split evenly (the
 * first VMs by name get the remainder of the kernel units). Threads vmqos reserved for no VM ({@code reserve --tid})
 * count as held by others. Pure but for {@link ConsumerIds}; any thread.
 */
public final class HostInventories {
    private final ConsumerIds ids;

    public HostInventories(ConsumerIds ids) { this.ids = ids; }

    /** The provider name of this host: {@code placement.name}, else {@code hostName}. */
    public static String providerName(HostConfig cfg, String hostName) {
        return cfg.placement().flatMap(p -> p.name()).orElse(hostName);
    }

    public HostInventory of(String provider, HostConfig cfg, KernelFacts facts, HostRecord record) {
        Map<Integer, List<String>> vmsOfTid = new HashMap<>();
        for (HostRecord.ThreadEntry t : record.threads()) {
            Set<String> vms = new TreeSet<>();
            for (Owner o : t.owners()) if (!o.vm().isEmpty()) vms.add(o.vm());
            if (!vms.isEmpty()) vmsOfTid.put(t.tid(), List.copyOf(vms));
        }
        HostCapacity capacity = HostPolicy.capacity(cfg, facts, vmsOfTid.keySet());
        Set<String> planned = new TreeSet<>();
        capacity.rootDomains().forEach(d -> planned.add(d.name()));
        Map<String, TreeMap<String, CpuBandwidth>> byVm = new TreeMap<>();
        for (DomainFacts d : facts.domains()) {
            if (!planned.contains(d.name())) continue;
            for (HeldThread t : d.threads()) {
                List<String> vms = vmsOfTid.get(t.tid());
                if (vms == null) continue;
                long share = t.bandwidth().kernelUnits() / vms.size();
                long rest = t.bandwidth().kernelUnits() % vms.size();
                for (int i = 0; i < vms.size(); i++) {
                    CpuBandwidth b = CpuBandwidth.ofKernelUnits(share + (i < rest ? 1 : 0));
                    byVm.computeIfAbsent(vms.get(i), k -> new TreeMap<>()).merge(d.name(), b, CpuBandwidth::plus);
                }
            }
        }
        Map<String, Integer> pidOf = new HashMap<>();
        for (HostRecord.VmEntry v : record.vms()) if (!v.owner().vm().isEmpty()) pidOf.put(v.owner().vm(), v.pid());
        List<VmHolding> holdings = new ArrayList<>();
        byVm.forEach((vm, bw) -> {
            UUID consumer = ids.of(provider, vm, pidOf.getOrDefault(vm, 0));
            holdings.add(new VmHolding(vm, consumer, bw));
        });
        return FleetInventory.of(provider, capacity, holdings);
    }
}
