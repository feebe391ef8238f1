package io.vmqos.core.fleet;

import java.util.Comparator;
import java.util.List;

/**
 * What Placement should hold for one host: its root provider, one child per root domain with the deadline
 * bandwidth inventory, and one allocation per reserved VM. Immutable; children sorted by name, allocations by
 * consumer.
 */
public record HostInventory(ProviderSpec root, List<ProviderSpec> children, List<ConsumerAllocation> allocations) {
    public HostInventory {
        children = children.stream().sorted(Comparator.comparing(ProviderSpec::name)).toList();
        allocations = allocations.stream().sorted(Comparator.comparing(ConsumerAllocation::consumer)).toList();
    }

    /** The child provider of this name, or null. */
    public ProviderSpec child(String name) {
        for (ProviderSpec c : children) if (c.name().equals(name)) return c;
        return null;
    }
}
