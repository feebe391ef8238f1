package io.vmqos.placement;

import com.fasterxml.jackson.databind.JsonNode;
import io.vmqos.core.fleet.ResourceClasses;
import io.vmqos.core.fleet.ResourceRequest;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.UUID;

/**
 * One job: claim a host for one VM's {@link ResourceRequest}. Asks {@code GET /allocation_candidates} and claims the
 * first candidate with {@code PUT /allocations/{consumer}} at the consumer's generation (null: a new consumer), so the
 * claim is atomic: when another placer took the room first (409), it asks again and tries the next candidate. Runs on
 * the caller's thread; any number of placers may run at once, Placement serialises their claims.
 *
 * <p>The request, in a host's provider tree: the deadline bandwidth lives on a root domain's child and VCPU/MEMORY_MB
 * (Nova's) on the root, so the bandwidth is one granular request group {@code resources_VMQOS} with
 * {@code required_VMQOS=CUSTOM_VMQOS_DEADLINE} (one child must hold it all: a VM's reservations are admitted in one
 * root domain), and VCPU/MEMORY_MB the unsuffixed group, which Placement satisfies anywhere in the same tree. With one
 * granular group {@code group_policy} is not needed (Placement requires it from two).
 */
public final class Placer {
    /** The user of a claim made by {@code vmqos fleet place}. */
    public static final String PLACER_USER = "vmqos-placer";
    /** Claims tried before giving up (each one lost to another placer). */
    static final int CLAIMS = 8;

    private final PlacementClient client;

    public Placer(PlacementClient client) { this.client = client; }

    /** Where the VM went: the host (root provider) and the root domain's provider that holds its bandwidth. */
    public record Claim(UUID consumer, String host, String provider, long microCpus, int attempts) {}

    /** Nothing fits; {@code largestMicroCpus} is the most {@link ResourceClasses#DL_BANDWIDTH} any one provider could still take. */
    public static final class NoRoomException extends PlacementException {
        private final long largest;

        NoRoomException(ResourceRequest r, long largest) {
            super(Kind.CONFLICT, 0, "no host can take " + r.dlBandwidthMicroCpus() + " " + ResourceClasses.DL_BANDWIDTH
                    + (r.vcpus() > 0 ? ", VCPU " + r.vcpus() : "") + (r.memoryMb() > 0 ? ", MEMORY_MB " + r.memoryMb() : "")
                    + "; the largest any host could still take is " + largest + " (" + String.format(java.util.Locale.ROOT, "%.1f%%", largest / 10_000.0) + " of a CPU)"
                    + " (fix: lower the VM's SLA or reservations, or release VMs or add hosts)", null);
            this.largest = largest;
        }

        public long largestMicroCpus() { return largest; }
    }

    /** The query of {@code GET /allocation_candidates} for {@code r}. */
    public static String query(ResourceRequest r) {
        StringBuilder q = new StringBuilder("resources_VMQOS=" + ResourceClasses.DL_BANDWIDTH + ":" + r.dlBandwidthMicroCpus()
                + "&required_VMQOS=" + ResourceClasses.TRAIT_DEADLINE);
        StringBuilder plain = new StringBuilder();
        if (r.vcpus() > 0) plain.append(ResourceClasses.VCPU).append(':').append(r.vcpus());
        if (r.memoryMb() > 0) plain.append(plain.isEmpty() ? "" : ",").append(ResourceClasses.MEMORY_MB).append(':').append(r.memoryMb());
        if (!plain.isEmpty()) q.append("&resources=").append(plain);
        return q.toString();
    }

    /**
     * Claims a host for {@code consumer}. A consumer that already holds allocations is refused (release it first).
     *
     * @throws NoRoomException when no candidate is left (none fits, or every one was taken by others first)
     */
    public Claim place(UUID consumer, ResourceRequest r) {
        if (r.dlBandwidthMicroCpus() == 0) {
            throw new io.vmqos.core.InvalidInputException("request." + io.vmqos.core.fleet.ResourceClasses.DL_BANDWIDTH, "is 0: the VM reserves nothing",
                    "give it an SLA or reservations");
        }
        client.checkService();
        PlacementClient.Allocations had = client.allocations(consumer);
        if (!had.byProvider().isEmpty()) {
            throw new PlacementException(PlacementException.Kind.CONFLICT, 409, "consumer " + consumer + " already holds allocations on " + had.byProvider().keySet()
                    + " (fix: vmqos fleet release --consumer " + consumer + ", or give another --consumer)", null);
        }
        for (int attempt = 1; attempt <= CLAIMS; attempt++) {
            JsonNode c = client.allocationCandidates(query(r) + "&limit=1");
            JsonNode first = c.path("allocation_requests").path(0);
            if (first.isMissingNode()) throw new NoRoomException(r, largest());
            Map<UUID, Map<String, Long>> alloc = new LinkedHashMap<>();
            first.path("allocations").properties().forEach(e -> {
                Map<String, Long> res = new TreeMap<>();
                e.getValue().path("resources").properties().forEach(x -> res.put(x.getKey(), x.getValue().asLong()));
                alloc.put(UUID.fromString(e.getKey()), res);
            });
            try {
                client.putAllocations(consumer, alloc, null, PLACER_USER);
            } catch (PlacementException e) {
                if (e.conflict()) continue;
                throw e;
            }
            UUID dl = alloc.entrySet().stream().filter(e -> e.getValue().containsKey(ResourceClasses.DL_BANDWIDTH)).findFirst().orElseThrow().getKey();
            PlacementClient.Provider p = client.provider(dl);
            String host = p.root() == null || p.root().equals(p.uuid()) ? p.name() : client.provider(p.root()).name();
            return new Claim(consumer, host, p.name(), r.dlBandwidthMicroCpus(), attempt);
        }
        throw new NoRoomException(r, largest());
    }

    /** Drops every allocation of {@code consumer}. Idempotent. */
    public void release(UUID consumer) {
        client.checkService();
        client.deleteAllocations(consumer);
    }

    /**
     * The most {@link ResourceClasses#DL_BANDWIDTH} one VM could still get on any provider vmqos published: per
     * provider, its capacity less its usage, at most its {@code max_unit}; 0 when none.
     */
    public long largest() {
        long best = 0;
        for (PlacementClient.Provider p : client.providers("required=" + ResourceClasses.TRAIT_DEADLINE)) {
            JsonNode inv = client.inventories(p.uuid()).get(ResourceClasses.DL_BANDWIDTH);
            if (inv == null) continue;
            long capacity = (long) Math.floor((inv.path("total").asLong() - inv.path("reserved").asLong()) * inv.path("allocation_ratio").asDouble(1.0));
            long free = capacity - client.usages(p.uuid()).getOrDefault(ResourceClasses.DL_BANDWIDTH, 0L);
            best = Math.max(best, Math.min(free, inv.path("max_unit").asLong(Long.MAX_VALUE)));
        }
        return best;
    }

    /** The consumer's DL bandwidth per provider name, for people and tests; empty when it holds none. */
    public Optional<Map<String, Long>> holdings(UUID consumer) {
        Map<String, Long> out = new TreeMap<>();
        client.allocations(consumer).byProvider().forEach((rp, res) -> {
            Long v = res.get(ResourceClasses.DL_BANDWIDTH);
            if (v != null) out.put(client.provider(rp).name(), v);
        });
        return out.isEmpty() ? Optional.empty() : Optional.of(out);
    }
}
