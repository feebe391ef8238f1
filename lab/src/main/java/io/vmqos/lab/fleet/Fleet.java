package io.vmqos.lab.fleet;

import io.vmqos.core.fleet.ResourceRequest;

import java.util.Optional;
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
    Optional<String> place(UUID consumer, ResourceRequest request);
}
