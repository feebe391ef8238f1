package io.vmqos.analysis.fleet;

import io.vmqos.core.CpuBandwidth;
import io.vmqos.core.HostCapacity;
import io.vmqos.core.InvalidInputException;
import io.vmqos.core.RootDomain;
import io.vmqos.core.fleet.ConsumerAllocation;
import io.vmqos.core.fleet.HostInventory;
import io.vmqos.core.fleet.Inventory;
import io.vmqos.core.fleet.ProviderSpec;
import io.vmqos.core.fleet.ResourceClasses;
import io.vmqos.core.fleet.VmHolding;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SortedSet;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * The policy of what a host publishes into Placement: from its root domains (capacity, host reserve, what others
 * hold) and what vmqos holds for each VM, the provider tree and allocations Placement should hold. Pure; any thread.
 *
 * <p>Units and rounding, in millionths of one CPU ({@link ResourceClasses#DL_BANDWIDTH}): a capacity is rounded
 * down ({@link CpuBandwidth#millionthsDown()}), whatever is held (the reserve, others' threads and servers, a VM's
 * allocation) rounded up ({@link CpuBandwidth#millionths()}), so that the room Placement sees is never more than the
 * kernel's. The kernel's admission already keeps vmqos's VMs within capacity less reserve and others; when rounding
 * up every VM's allocation would still overflow the total (at most one millionth per VM), the excess is taken from
 * {@code reserved}, so that Placement never holds more than the total.
 */
public final class FleetInventory {
    private FleetInventory() {}

    /** The name of the child provider of {@code rootDomain} on host provider {@code host}: {@code HOST:ROOTDOMAIN}. */
    public static String childName(String host, String rootDomain) { return host + ":" + rootDomain; }

    /**
     * The provider tree and allocations for host provider {@code hostName}.
     *
     * @param capacity the host's root domains, their {@code heldByOthers} without any VM in {@code holdings}
     * @param holdings what each reserved VM holds per root domain (root domains outside {@code capacity} are refused)
     */
    public static HostInventory of(String hostName, HostCapacity capacity, List<VmHolding> holdings) {
        if (hostName == null || hostName.isBlank()) throw new InvalidInputException("placement.name", "is empty", "give the provider's name, or set the host name");
        Map<String, Long> allocatedByDomain = new TreeMap<>();
        List<ConsumerAllocation> allocations = new ArrayList<>();
        for (VmHolding h : holdings) {
            TreeMap<String, Long> byProvider = new TreeMap<>();
            for (var e : h.bandwidthByRootDomain().entrySet()) {
                if (capacity.rootDomains().stream().noneMatch(d -> d.name().equals(e.getKey()))) {
                    throw new InvalidInputException("vm " + h.vm(), "holds bandwidth in root domain " + e.getKey() + ", which is not planned on", "give host.cpus that cover the VM's CPUs");
                }
                long micro = e.getValue().millionths();
                if (micro <= 0) continue;
                byProvider.put(childName(hostName, e.getKey()), micro);
                allocatedByDomain.merge(e.getKey(), micro, Long::sum);
            }
            if (!byProvider.isEmpty()) allocations.add(new ConsumerAllocation(h.consumer(), h.vm(), byProvider));
        }
        SortedSet<String> traits = new TreeSet<>(List.of(ResourceClasses.TRAIT_DEADLINE));
        if (capacity.partitioned()) traits.add(ResourceClasses.TRAIT_PARTITIONED);
        List<ProviderSpec> children = new ArrayList<>();
        for (RootDomain d : capacity.rootDomains()) {
            Inventory inv = inventory(capacity, d, allocatedByDomain.getOrDefault(d.name(), 0L));
            children.add(new ProviderSpec(childName(hostName, d.name()), hostName, new TreeMap<>(Map.of(ResourceClasses.DL_BANDWIDTH, inv)), traits));
        }
        return new HostInventory(new ProviderSpec(hostName, "", new TreeMap<>(), new TreeSet<>()), children, allocations);
    }

    /**
     * One root domain's inventory: {@code total} its capacity; {@code reserved} the host reserve plus what others
     * hold; {@code max_unit} what one VM can get: under global EDF all that is not reserved, under partitioned
     * placement one CPU's capacity less its reserve (and never more than the domain's unreserved room).
     */
    static Inventory inventory(HostCapacity capacity, RootDomain d, long allocated) {
        long total = d.capacity().millionthsDown();
        long reserved = capacity.reserveOf(d.capacity()).plus(d.heldByOthers()).millionths();
        reserved = Math.max(0, Math.min(reserved, total - allocated));
        long unreserved = total - reserved;
        long maxUnit = unreserved;
        if (capacity.partitioned()) {
            CpuBandwidth cpu = d.perCpuCapacity();
            maxUnit = Math.min(maxUnit, cpu.minus(capacity.reserveOf(cpu)).millionthsDown());
        }
        return new Inventory(total, reserved, 1, Math.max(1, maxUnit), 1, 1.0);
    }
}
