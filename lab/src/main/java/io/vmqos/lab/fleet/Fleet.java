package io.vmqos.lab.fleet;

import io.vmqos.core.fleet.ResourceRequest;

import java.util.Optional;
import java.util.Set;
import java.util.UUID;

/**
 * Where VMs are placed by what they ask ({@link ResourceRequest}): hosts register their inventory, and each VM gets an
 * allocation on one host whose inventory holds it, or none. {@link InMemoryFleet} for tests, {@link PlacementHttpFleet}
 * against a real OpenStack Placement.
 */
public interface Fleet {
    /** Publishes {@code host}'s providers, inventories and traits. */
    void register(HostInventory host);

    /**
     * Allocates {@code request} for {@code consumer} on one host that holds it (its deadline bandwidth from one root
     * domain, its vCPUs and memory from the host), all or nothing.
     *
     * @return the host's name, or empty when no host holds it
     */
    default Optional<String> place(UUID consumer, ResourceRequest request) { return place(consumer, request, Set.of()); }

    /**
     * {@link #place(UUID, ResourceRequest)} on a host not in {@code avoid}: an alternate, as Nova's scheduler retries a VM
     * that a host refused (here: the host's own admission).
     */
    Optional<String> place(UUID consumer, ResourceRequest request, Set<String> avoid);

    /** Removes {@code consumer}'s allocation (none: nothing). */
    void release(UUID consumer);

    /** Publishes a new inventory of one of {@code host}'s root domains (the same provider: its reserved changed). */
    void update(String host, HostInventory.Domain domain);
}
