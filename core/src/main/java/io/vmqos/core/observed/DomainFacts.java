package io.vmqos.core.observed;

import io.vmqos.core.CpuBandwidth;

import java.util.Collections;
import java.util.List;
import java.util.SortedMap;
import java.util.SortedSet;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * One root domain as the kernel shows it to admission: its CPUs, what its deadline-bandwidth counter holds, its
 * deadline servers per CPU and its live DEADLINE threads. When vmqos split the domain into per-CPU partitions
 * (partitioned EDF), this is the domain as it was before the split, its threads carrying the CPU they are pinned to.
 *
 * @param counted what admission must count as held now: the kernel's counter, or, when the kernel leaked, what live
 *     threads and servers really hold
 * @param serversPerCpu the deadline servers' bandwidth on each CPU (the kernel's fair servers: 5% each by default)
 */
public record DomainFacts(String name, SortedSet<Integer> cpus, CpuBandwidth counted, SortedMap<Integer, CpuBandwidth> serversPerCpu,
                          List<HeldThread> threads) {
    public DomainFacts {
        cpus = Collections.unmodifiableSortedSet(new TreeSet<>(cpus));
        serversPerCpu = Collections.unmodifiableSortedMap(new TreeMap<>(serversPerCpu == null ? java.util.Map.of() : serversPerCpu));
        threads = List.copyOf(threads);
    }
}
