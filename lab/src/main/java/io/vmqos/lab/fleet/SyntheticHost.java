package io.vmqos.lab.fleet;

import io.vmqos.analysis.Admission;
import io.vmqos.core.CpuBandwidth;
import io.vmqos.core.HostCapacity;
import io.vmqos.core.InvalidInputException;
import io.vmqos.core.RootDomain;
import io.vmqos.linux.DeadlineServers;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.UUID;

/**
 * A host of the simulated fleet, planned by vmqos's analysis without a kernel: one root domain over its CPUs at the
 * kernel's default 95% DEADLINE cap, each CPU's fair server holding the kernel's default 50ms/1s (5%,
 * {@link DeadlineServers}), vmqos's default 10% host reserve; partitioned hosts keep their last CPU for the host (as vmqos
 * does). Its Placement inventory is what this capacity lets vmqos admit: total = the domain's capacity, reserved = total −
 * what an empty host admits (reserve, servers, the host CPU), max_unit = everything usable (global EDF) or one CPU's usable
 * share (partitioned: a VM's threads may spread over CPUs, but max_unit is per allocation, so this is the safe bound).
 * Immutable.
 *
 * @param memoryMb its memory, published as {@code MEMORY_MB}
 */
public record SyntheticHost(String name, int cpus, boolean partitioned, long memoryMb) {
    /** The domain's name in the plan and its child provider's name suffix. */
    public static final String DOMAIN = "rd0";
    /** {@code VCPU} allocation ratio published for the vmqos hosts: the same overcommit of 4 as the vCPU-packing alternative. */
    public static final double VCPU_RATIO = 4.0;

    public SyntheticHost {
        if (cpus < 2) throw new InvalidInputException("host " + name + ".cpus", "must be at least 2, got " + cpus, "give 2 or more CPUs");
    }

    /** What vmqos plans on it. */
    public HostCapacity capacity() {
        TreeSet<Integer> set = new TreeSet<>();
        TreeMap<Integer, CpuBandwidth> servers = new TreeMap<>();
        CpuBandwidth server = CpuBandwidth.ofRuntime(DeadlineServers.DEFAULT_RUNTIME_NS, DeadlineServers.DEFAULT_PERIOD_NS);
        for (int i = 0; i < cpus; i++) {
            set.add(i);
            servers.put(i, server);
        }
        RootDomain d = new RootDomain(DOMAIN, set, 950_000_000L, 1_000_000_000L, server.times(cpus), partitioned ? servers : new TreeMap<>());
        return new HostCapacity(List.of(d), HostCapacity.DEFAULT_RESERVE, partitioned, partitioned);
    }

    /** Its providers and inventories, UUIDs derived from its name (stable across runs). */
    public HostInventory inventory() {
        HostCapacity c = capacity();
        RootDomain d = c.rootDomains().getFirst();
        long total = floorMillionths(d.capacity());
        long usable = floorMillionths(new Admission(c).remaining(DOMAIN));
        long maxUnit = usable;
        if (partitioned) {
            CpuBandwidth perCpu = d.perCpuCapacity();
            CpuBandwidth one = perCpu.minus(c.reserveOf(perCpu)).minus(d.heldPerCpu().get(0));
            usable = Math.min(usable, floorMillionths(one.times(cpus - 1L)));
            maxUnit = floorMillionths(one);
        }
        HostInventory.Domain dom = new HostInventory.Domain(name + "-" + DOMAIN, uuid(name + "/" + DOMAIN), total, total - usable, maxUnit, partitioned);
        return new HostInventory(name, uuid(name), cpus, VCPU_RATIO, memoryMb, List.of(dom));
    }

    /** Millionths of a CPU rounded down: what a host publishes as usable is never more than it admits. */
    static long floorMillionths(CpuBandwidth b) { return Math.floorDiv(b.kernelUnits() * 1_000_000L, CpuBandwidth.ONE_CPU.kernelUnits()); }

    static UUID uuid(String name) { return UUID.nameUUIDFromBytes(("vmqos-fleet/" + name).getBytes(StandardCharsets.UTF_8)); }

    /**
     * {@code n} hosts cycling through 8, 16, 32 and 64 CPUs, 8 GiB of memory per CPU; every fourth host of each size
     * (hosts 12, 13, 14, 15, 28, ...) is partitioned.
     */
    public static List<SyntheticHost> fleet(int n) {
        int[] sizes = {8, 16, 32, 64};
        java.util.ArrayList<SyntheticHost> out = new java.util.ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            int cpus = sizes[i % sizes.length];
            boolean partitioned = (i / sizes.length) % 4 == 3;
            out.add(new SyntheticHost(String.format(java.util.Locale.ROOT, "host%03d", i), cpus, partitioned, cpus * 8192L));
        }
        return out;
    }
}
