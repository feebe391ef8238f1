package io.vmqos.core.fleet;

import java.util.Collections;
import java.util.SortedMap;
import java.util.SortedSet;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * One resource provider as a host wants Placement to hold it. Immutable.
 *
 * @param name the provider's name, unique in Placement (1..200 characters)
 * @param parent the parent provider's name, or empty for a root provider
 * @param inventories per resource class; empty: vmqos sets none (a root provider Nova owns keeps its own)
 * @param traits the traits vmqos sets on it; empty: vmqos leaves them as they are
 */
public record ProviderSpec(String name, String parent, SortedMap<String, Inventory> inventories, SortedSet<String> traits) {
    public ProviderSpec {
        parent = parent == null ? "" : parent;
        inventories = Collections.unmodifiableSortedMap(new TreeMap<>(inventories));
        traits = Collections.unmodifiableSortedSet(new TreeSet<>(traits));
    }

    public boolean isRoot() { return parent.isEmpty(); }
}
