package io.vmqos.core;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * What vmqos may plan on a host: its root domains, the fraction of each domain's capacity kept back for the
 * host, and whether stage threads are pinned to CPUs (partitioned EDF) or float over their domain (global EDF).
 * Immutable; domains are kept sorted by name.
 *
 * @param rootDomains the root domains, CPUs disjoint
 * @param reserveFraction fraction of each domain's (and, when partitioned, each CPU's) capacity vmqos never
 *     plans, in {@code [0, 1)}; default 0.10
 * @param partitioned true: each stage thread is pinned to one CPU chosen first-fit decreasing, and each CPU's
 *     density must stay within its capacity; false: global EDF over the domain
 * @param hostCpu partitioned only: the last CPU of a domain of several is not placed on (it stays the host's, load
 *     balanced, and a root domain cannot be split into partitions only)
 */
public record HostCapacity(List<RootDomain> rootDomains, double reserveFraction, boolean partitioned, boolean hostCpu) {
    public static final double DEFAULT_RESERVE = 0.10;

    /** Every CPU placeable. */
    public HostCapacity(List<RootDomain> rootDomains, double reserveFraction, boolean partitioned) {
        this(rootDomains, reserveFraction, partitioned, false);
    }

    public HostCapacity {
        if (rootDomains == null || rootDomains.isEmpty()) throw new InvalidInputException("host.rootDomains", "is empty", "give at least one root domain");
        if (!(reserveFraction >= 0 && reserveFraction < 1)) throw new InvalidInputException("host.reserve", "must be in [0, 1), got " + reserveFraction, "give a fraction such as 0.10");
        List<RootDomain> sorted = new ArrayList<>(rootDomains);
        sorted.sort(Comparator.comparing(RootDomain::name));
        Set<Integer> seen = new HashSet<>();
        Set<String> names = new HashSet<>();
        for (RootDomain d : sorted) {
            if (!names.add(d.name())) throw new InvalidInputException("host.rootDomains", "name " + d.name() + " appears twice", "give each root domain a distinct name");
            for (int cpu : d.cpus()) if (!seen.add(cpu)) throw new InvalidInputException("host.rootDomains", "CPU " + cpu + " is in two root domains", "root domains are disjoint");
        }
        rootDomains = List.copyOf(sorted);
    }

    /** One root domain over {@code cpus} CPUs (0..cpus-1), 95% cap, the default 10% reserve, global EDF. */
    public static HostCapacity ofCpus(int cpus) {
        java.util.TreeSet<Integer> set = new java.util.TreeSet<>();
        for (int i = 0; i < cpus; i++) set.add(i);
        return new HostCapacity(List.of(RootDomain.of("root", set)), DEFAULT_RESERVE, false);
    }

    /** The bandwidth of {@code capacity} kept back, rounded up so the reserve is never less than asked. */
    public CpuBandwidth reserveOf(CpuBandwidth capacity) { return capacity.fractionOf(reserveFraction); }
}
