package io.vmqos.core.desired;

import java.util.Collections;
import java.util.SortedSet;
import java.util.TreeSet;

/**
 * Partitioned EDF in one root domain: each CPU of {@code cpus} must be a root domain of its own (so that a DEADLINE
 * thread can be pinned to it), split from the root domain {@code domain}; the domain's other CPUs stay one domain.
 */
public record DesiredPartition(SortedSet<Integer> cpus, SortedSet<Integer> domain) {
    public DesiredPartition {
        cpus = Collections.unmodifiableSortedSet(new TreeSet<>(cpus));
        domain = Collections.unmodifiableSortedSet(new TreeSet<>(domain));
        if (cpus.isEmpty() || !domain.containsAll(cpus)) throw new IllegalArgumentException("partition CPUs " + cpus + " not in domain " + domain);
    }
}
