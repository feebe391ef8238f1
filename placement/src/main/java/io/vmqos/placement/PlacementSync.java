package io.vmqos.placement;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.vmqos.core.fleet.ConsumerAllocation;
import io.vmqos.core.fleet.HostInventory;
import io.vmqos.core.fleet.Inventory;
import io.vmqos.core.fleet.ProviderSpec;
import io.vmqos.core.fleet.ResourceClasses;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.UUID;

/**
 * One job: make Placement's view of one host equal a {@link HostInventory}: its root provider (found by name, or
 * created; a provider Nova already made for the host is used as it is), one child per root domain with the deadline
 * bandwidth inventory and vmqos's traits, the allocation of every reserved VM, and no allocation of a VM this host
 * published and has since released. Every update names the generation it read; a 409 is re-read and retried
 * ({@link Retry}). Idempotent: a second sync of the same inventory changes nothing. Runs on the caller's thread
 * (the agent's publisher, or {@code vmqos fleet publish}); not for concurrent use on one host.
 *
 * <p>Whose allocations: those this host writes carry the user {@link #HOST_USER}; only those are removed when the VM
 * is no longer reserved here. A claim {@code vmqos fleet place} made (user {@link Placer#PLACER_USER}) is kept until
 * the VM is reserved (then this host takes it over) or {@code vmqos fleet release} drops it. Other resource classes
 * and providers of a consumer (Nova's VCPU and MEMORY_MB on the root) are kept as they are.
 */
public final class PlacementSync {
    /** The user of the allocations a host publishes for the VMs it reserved. */
    public static final String HOST_USER = "vmqos-host";

    private final PlacementClient client;

    public PlacementSync(PlacementClient client) { this.client = client; }

    /** What a sync did, for people; empty lists: Placement already matched. */
    public record Report(UUID root, Map<String, UUID> children, List<String> changes) {}

    public Report sync(HostInventory want) {
        client.checkService();
        client.ensureResourceClass(ResourceClasses.DL_BANDWIDTH);
        Set<String> traits = new TreeSet<>();
        want.children().forEach(c -> traits.addAll(c.traits()));
        traits.forEach(client::ensureTrait);
        List<String> changes = new ArrayList<>();
        PlacementClient.Provider root = client.providerByName(want.root().name()).orElseGet(() -> {
            changes.add("created provider " + want.root().name());
            return client.createProvider(want.root().name(), null);
        });
        Map<String, UUID> children = new LinkedHashMap<>();
        for (ProviderSpec c : want.children()) children.put(c.name(), child(root, c, changes));
        Map<UUID, String> ours = new HashMap<>();
        children.forEach((n, u) -> ours.put(u, n));
        Set<UUID> wanted = new TreeSet<>();
        for (ConsumerAllocation a : want.allocations()) {
            wanted.add(a.consumer());
            Map<UUID, Long> amounts = new TreeMap<>();
            a.microCpusByProvider().forEach((name, micro) -> amounts.put(children.get(name), micro));
            if (Retry.onConflict(() -> putOurs(a.consumer(), ours.keySet(), amounts, false))) changes.add("allocated " + a.microCpusByProvider() + " to vm " + a.vm() + " (" + a.consumer() + ")");
        }
        for (UUID child : ours.keySet()) {
            for (UUID consumer : client.consumersOf(child)) {
                if (wanted.contains(consumer)) continue;
                if (Retry.onConflict(() -> putOurs(consumer, ours.keySet(), Map.of(), true))) changes.add("removed the allocation of released consumer " + consumer);
            }
        }
        for (PlacementClient.Provider stale : client.providers("in_tree=" + root.uuid())) {
            if (!root.uuid().equals(stale.parent()) || children.containsKey(stale.name()) || !stale.name().startsWith(want.root().name() + ":")) continue;
            if (client.consumersOf(stale.uuid()).isEmpty()) {
                client.deleteProvider(stale.uuid());
                changes.add("deleted provider " + stale.name() + " (no such root domain any more)");
            } else {
                changes.add("kept provider " + stale.name() + " of a root domain that is gone: it still holds allocations");
            }
        }
        return new Report(root.uuid(), children, changes);
    }

    /** The child provider {@code c} under {@code root}, created when missing, its inventory and traits as wanted. */
    private UUID child(PlacementClient.Provider root, ProviderSpec c, List<String> changes) {
        PlacementClient.Provider p = client.providerByName(c.name()).orElse(null);
        if (p == null) {
            p = client.createProvider(c.name(), root.uuid());
            changes.add("created provider " + c.name());
        } else if (!root.uuid().equals(p.parent())) {
            throw new PlacementException(PlacementException.Kind.BAD_REQUEST, 0, "provider " + c.name() + " (" + p.uuid() + ") exists with another parent than " + root.name()
                    + " (fix: delete it (openstack resource provider delete " + p.uuid() + ") or give this host another placement.name)", null);
        }
        UUID uuid = p.uuid();
        if (Retry.onConflict(() -> putInventory(uuid, c.inventories()))) changes.add("set the inventory of " + c.name() + " to " + c.inventories());
        if (Retry.onConflict(() -> putTraits(uuid, c.traits()))) changes.add("set the traits of " + c.name() + " to " + c.traits());
        return uuid;
    }

    /** Sets vmqos's resource classes on the provider, keeping any other; false when already so. */
    private boolean putInventory(UUID provider, Map<String, Inventory> want) {
        long gen = client.provider(provider).generation();
        Map<String, JsonNode> now = client.inventories(provider);
        Map<String, ObjectNode> next = new TreeMap<>();
        now.forEach((rc, inv) -> next.put(rc, (ObjectNode) inv));
        boolean same = true;
        for (var e : want.entrySet()) {
            if (!e.getValue().equals(inventory(now.get(e.getKey())))) same = false;
            next.put(e.getKey(), json(e.getValue()));
        }
        if (same) return false;
        client.putInventories(provider, gen, next);
        return true;
    }

    /** Adds vmqos's traits (and drops its partitioned trait when not wanted), keeping any other; false when already so. */
    private boolean putTraits(UUID provider, Set<String> want) {
        long gen = client.provider(provider).generation();
        Set<String> now = client.traits(provider);
        Set<String> next = new TreeSet<>(now);
        next.remove(ResourceClasses.TRAIT_PARTITIONED);
        next.addAll(want);
        if (next.equals(now)) return false;
        client.putTraits(provider, gen, next);
        return true;
    }

    /**
     * Sets the consumer's {@link ResourceClasses#DL_BANDWIDTH} on this host's providers to {@code amounts}, its other
     * allocations kept; with {@code onlyHostOwned}, only when this host wrote them. False when nothing changed.
     */
    private boolean putOurs(UUID consumer, Set<UUID> ourProviders, Map<UUID, Long> amounts, boolean onlyHostOwned) {
        PlacementClient.Allocations now = client.allocations(consumer);
        if (onlyHostOwned && !HOST_USER.equals(now.userId())) return false;
        Map<UUID, Map<String, Long>> next = new LinkedHashMap<>();
        now.byProvider().forEach((rp, res) -> {
            Map<String, Long> r = new TreeMap<>(res);
            if (ourProviders.contains(rp)) r.remove(ResourceClasses.DL_BANDWIDTH);
            if (!r.isEmpty()) next.put(rp, r);
        });
        amounts.forEach((rp, micro) -> next.computeIfAbsent(rp, k -> new TreeMap<>()).put(ResourceClasses.DL_BANDWIDTH, micro));
        if (next.equals(now.byProvider()) && (onlyHostOwned || HOST_USER.equals(now.userId()))) return false;
        client.putAllocations(consumer, next, now.generation(), HOST_USER);
        return true;
    }

    /** Placement's JSON of an inventory as a value, or null. */
    static Inventory inventory(JsonNode n) {
        if (n == null) return null;
        try {
            return new Inventory(n.path("total").asLong(), n.path("reserved").asLong(), n.path("min_unit").asLong(), n.path("max_unit").asLong(),
                    n.path("step_size").asLong(), n.path("allocation_ratio").asDouble());
        } catch (RuntimeException odd) {
            return null;
        }
    }

    /** An inventory as Placement's JSON, with every field, so that it compares equal to what Placement returns. */
    static ObjectNode json(Inventory i) {
        ObjectNode n = JsonNodeFactory.instance.objectNode();
        n.put("total", i.total()).put("reserved", i.reserved()).put("min_unit", i.minUnit()).put("max_unit", i.maxUnit())
                .put("step_size", i.stepSize()).put("allocation_ratio", i.allocationRatio());
        return n;
    }
}
