package io.vmqos.lab.fleet;

import io.vmqos.core.fleet.ResourceRequest;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;

/**
 * A {@link Fleet} in memory with Placement's arithmetic: a resource fits a provider when {@code used + asked <=
 * (total − reserved) × allocation_ratio} and {@code asked <= max_unit}; hosts are tried in registration order (first fit),
 * root domains by name. Not thread-safe.
 */
public final class InMemoryFleet implements Fleet {
    private final List<Host> hosts = new ArrayList<>();
    private final Map<UUID, Allocation> allocations = new LinkedHashMap<>();

    /** One consumer's allocation. */
    public record Allocation(String host, String domain, ResourceRequest request) {}

    private static final class Host {
        HostInventory inv;
        final long[] dlUsed;
        long vcpusUsed, memoryUsed;

        Host(HostInventory inv) {
            this.inv = inv;
            this.dlUsed = new long[inv.domains().size()];
        }
    }

    @Override
    public void register(HostInventory host) {
        for (Host h : hosts) if (h.inv.name().equals(host.name())) throw new IllegalArgumentException("host " + host.name() + " is registered twice");
        hosts.add(new Host(host));
    }

    @Override
    public Optional<String> place(UUID consumer, ResourceRequest r, Set<String> avoid) {
        if (allocations.containsKey(consumer)) throw new IllegalArgumentException("consumer " + consumer + " already has an allocation");
        for (Host h : hosts) {
            if (avoid.contains(h.inv.name())) continue;
            if (h.vcpusUsed + r.vcpus() > h.inv.vcpuCapacity() || h.memoryUsed + r.memoryMb() > h.inv.memoryMb()) continue;
            for (int i = 0; i < h.dlUsed.length; i++) {
                HostInventory.Domain d = h.inv.domains().get(i);
                if (r.dlBandwidthMicroCpus() > d.maxUnitMicroCpus() || h.dlUsed[i] + r.dlBandwidthMicroCpus() > d.usableMicroCpus()) continue;
                h.dlUsed[i] += r.dlBandwidthMicroCpus();
                h.vcpusUsed += r.vcpus();
                h.memoryUsed += r.memoryMb();
                allocations.put(consumer, new Allocation(h.inv.name(), d.name(), r));
                return Optional.of(h.inv.name());
            }
        }
        return Optional.empty();
    }

    @Override
    public void release(UUID consumer) {
        Allocation a = allocations.remove(consumer);
        if (a == null) return;
        for (Host h : hosts) {
            if (!h.inv.name().equals(a.host())) continue;
            for (int i = 0; i < h.dlUsed.length; i++) if (h.inv.domains().get(i).name().equals(a.domain())) h.dlUsed[i] -= a.request().dlBandwidthMicroCpus();
            h.vcpusUsed -= a.request().vcpus();
            h.memoryUsed -= a.request().memoryMb();
        }
    }

    @Override
    public void update(String host, HostInventory.Domain domain) {
        for (Host h : hosts) {
            if (!h.inv.name().equals(host)) continue;
            java.util.List<HostInventory.Domain> ds = new ArrayList<>(h.inv.domains());
            for (int i = 0; i < ds.size(); i++) if (ds.get(i).uuid().equals(domain.uuid())) ds.set(i, domain);
            h.inv = new HostInventory(h.inv.name(), h.inv.uuid(), h.inv.cpus(), h.inv.vcpuAllocationRatio(), h.inv.memoryMb(), ds);
            return;
        }
        throw new IllegalArgumentException("no host " + host);
    }

    /** Every allocation held now. */
    public Map<UUID, Allocation> allocations() { return Map.copyOf(allocations); }

    /** Deadline bandwidth allocated on {@code host}'s domain {@code domain}, in millionths of a CPU. */
    public long dlUsed(String host, String domain) {
        for (Host h : hosts) {
            if (!h.inv.name().equals(host)) continue;
            for (int i = 0; i < h.dlUsed.length; i++) if (h.inv.domains().get(i).name().equals(domain)) return h.dlUsed[i];
        }
        throw new IllegalArgumentException("no domain " + domain + " on host " + host);
    }

    /** vCPUs and memory allocated on {@code host}. */
    public long[] vcpusAndMemoryUsed(String host) {
        for (Host h : hosts) if (h.inv.name().equals(host)) return new long[] {h.vcpusUsed, h.memoryUsed};
        throw new IllegalArgumentException("no host " + host);
    }
}
