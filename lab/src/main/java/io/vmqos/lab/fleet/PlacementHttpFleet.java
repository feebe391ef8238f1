package io.vmqos.lab.fleet;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.vmqos.core.InvalidInputException;
import io.vmqos.core.fleet.ResourceClasses;
import io.vmqos.core.fleet.ResourceRequest;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.URI;
import java.net.UnknownHostException;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;

/**
 * A {@link Fleet} in a real OpenStack Placement (API microversion 1.39), minimal, for the lab's simulation (the product's
 * Placement client may later stand in for it). A host is a root provider with {@code VCPU} and {@code MEMORY_MB} and one
 * child per root domain with {@code CUSTOM_VMQOS_DL_BANDWIDTH} and the traits {@code CUSTOM_VMQOS_DEADLINE} (and
 * {@code CUSTOM_VMQOS_PARTITIONED}). A VM is placed as Nova's scheduler does it: {@code GET /allocation_candidates} with
 * its resources in the unnumbered group (which, since 1.29, may be served by several providers of one tree: the deadline
 * bandwidth by the child, vCPUs and memory by the root) and {@code required=CUSTOM_VMQOS_DEADLINE}, then
 * {@code PUT /allocations/{consumer}} with the first candidate, {@code consumer_generation: null} (a new consumer) and
 * {@code consumer_type: INSTANCE} (as Nova does); a 409
 * (another writer took the room first) asks again, up to {@link #ATTEMPTS} times. Authenticates with a noauth2 token; talks
 * to a Placement on this machine only (a loopback address). Not thread-safe.
 */
public final class PlacementHttpFleet implements Fleet {
    static final String VERSION = "placement 1.39";
    static final int ATTEMPTS = 5;
    /** The consumer type (required since 1.38) Nova gives an instance's allocations. */
    static final String CONSUMER_TYPE = "INSTANCE";
    private static final UUID PROJECT = UUID.nameUUIDFromBytes("vmqos-fleet-project".getBytes(java.nio.charset.StandardCharsets.UTF_8));
    private static final UUID USER = UUID.nameUUIDFromBytes("vmqos-fleet-user".getBytes(java.nio.charset.StandardCharsets.UTF_8));

    private final URI base;
    private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).connectTimeout(Duration.ofSeconds(5)).build();
    private final ObjectMapper json = new ObjectMapper();
    private final Map<String, String> hostOfRoot = new HashMap<>();

    /**
     * Connects to the Placement at {@code base} (e.g. {@code http://127.0.0.1:8778}) and creates vmqos's resource class and
     * traits there (idempotent).
     *
     * @throws InvalidInputException for a URL that is not http on a loopback address
     */
    public PlacementHttpFleet(URI base) {
        if (!"http".equals(base.getScheme()) || base.getHost() == null || !loopback(base.getHost())) {
            throw new InvalidInputException("--placement", "'" + base + "' is not a Placement on this machine",
                    "give http://127.0.0.1:PORT (the lab's simulation only talks to a local Placement)");
        }
        this.base = URI.create(base.toString().replaceAll("/+$", "") + "/");
        send("PUT", "resource_classes/" + ResourceClasses.DL_BANDWIDTH, null, 201, 204);
        send("PUT", "traits/" + ResourceClasses.TRAIT_DEADLINE, null, 201, 204);
        send("PUT", "traits/" + ResourceClasses.TRAIT_PARTITIONED, null, 201, 204);
    }

    @Override
    public void register(HostInventory host) {
        createProvider(host.name(), host.uuid(), null);
        ObjectNode inv = json.createObjectNode();
        inv.putObject("VCPU").put("total", host.cpus()).put("allocation_ratio", host.vcpuAllocationRatio());
        inv.putObject("MEMORY_MB").put("total", host.memoryMb());
        putInventories(host.uuid(), inv);
        for (HostInventory.Domain d : host.domains()) {
            createProvider(d.name(), d.uuid(), host.uuid());
            ObjectNode di = json.createObjectNode();
            di.putObject(ResourceClasses.DL_BANDWIDTH).put("total", d.totalMicroCpus()).put("reserved", d.reservedMicroCpus())
                    .put("max_unit", d.maxUnitMicroCpus());
            long gen = putInventories(d.uuid(), di);
            ObjectNode traits = json.createObjectNode().put("resource_provider_generation", gen);
            traits.putArray("traits").add(ResourceClasses.TRAIT_DEADLINE);
            if (d.partitioned()) ((com.fasterxml.jackson.databind.node.ArrayNode) traits.get("traits")).add(ResourceClasses.TRAIT_PARTITIONED);
            send("PUT", "resource_providers/" + d.uuid() + "/traits", traits, 200);
        }
        hostOfRoot.put(host.uuid().toString(), host.name());
    }

    @Override
    public Optional<String> place(UUID consumer, ResourceRequest r, Set<String> avoid) {
        // as many candidates as hosts to avoid, and one more (Placement's order is stable without randomization)
        String query = "allocation_candidates?resources=" + resources(r) + "&required=" + ResourceClasses.TRAIT_DEADLINE + "&limit=" + (avoid.size() + 1);
        for (int attempt = 1; attempt <= ATTEMPTS; attempt++) {
            JsonNode cands = send("GET", query, null, 200);
            JsonNode allocations = null;
            for (JsonNode c : cands.path("allocation_requests")) {
                if (!avoid.contains(hostOf(c.get("allocations"), cands.path("provider_summaries")))) {
                    allocations = c.get("allocations");
                    break;
                }
            }
            if (allocations == null) return Optional.empty();
            ObjectNode body = json.createObjectNode();
            body.set("allocations", allocations);
            body.put("project_id", PROJECT.toString()).put("user_id", USER.toString()).putNull("consumer_generation")
                    .put("consumer_type", CONSUMER_TYPE);
            int code = status("PUT", "allocations/" + consumer, body);
            if (code == 204) return Optional.of(hostOf(allocations, cands.path("provider_summaries")));
            if (code != 409) throw new IllegalStateException("Placement refused the allocation of " + consumer + ": HTTP " + code);
        }
        throw new IllegalStateException("Placement answered 409 (conflict) " + ATTEMPTS + " times for " + consumer + ": other writers keep taking the room first");
    }

    @Override
    public void release(UUID consumer) { send("DELETE", "allocations/" + consumer, null, 204, 404); }

    @Override
    public void update(String host, HostInventory.Domain d) {
        for (int attempt = 1; attempt <= ATTEMPTS; attempt++) {
            long gen = send("GET", "resource_providers/" + d.uuid(), null, 200).path("generation").asLong();
            ObjectNode body = json.createObjectNode().put("resource_provider_generation", gen).put("total", d.totalMicroCpus())
                    .put("reserved", d.reservedMicroCpus()).put("max_unit", d.maxUnitMicroCpus());
            if (status("PUT", "resource_providers/" + d.uuid() + "/inventories/" + ResourceClasses.DL_BANDWIDTH, body) == 200) return;
        }
        throw new IllegalStateException("Placement kept refusing the new inventory of " + d.name() + " (generation conflicts)");
    }

    /** {@code CUSTOM_VMQOS_DL_BANDWIDTH:N,VCPU:v,MEMORY_MB:m}, the amounts asked (0 is not asked). */
    static String resources(ResourceRequest r) {
        List<String> parts = new ArrayList<>();
        if (r.dlBandwidthMicroCpus() > 0) parts.add(ResourceClasses.DL_BANDWIDTH + ":" + r.dlBandwidthMicroCpus());
        if (r.vcpus() > 0) parts.add("VCPU:" + r.vcpus());
        if (r.memoryMb() > 0) parts.add("MEMORY_MB:" + r.memoryMb());
        if (parts.isEmpty()) throw new InvalidInputException("request", "asks for nothing", "give the VM's deadline bandwidth, vCPUs or memory");
        return String.join(",", parts);
    }

    private String hostOf(JsonNode allocations, JsonNode summaries) {
        Iterator<String> rps = allocations.fieldNames();
        String rp = rps.next();
        String root = summaries.path(rp).path("root_provider_uuid").asText(rp);
        String name = hostOfRoot.get(root);
        if (name == null) throw new IllegalStateException("Placement allocated on provider " + rp + " (root " + root + "), which this fleet did not register");
        return name;
    }

    private void createProvider(String name, UUID uuid, UUID parent) {
        ObjectNode rp = json.createObjectNode().put("name", name).put("uuid", uuid.toString());
        if (parent != null) rp.put("parent_provider_uuid", parent.toString());
        send("POST", "resource_providers", rp, 200);
    }

    /** Sets a new provider's inventories; its new generation. */
    private long putInventories(UUID rp, ObjectNode inventories) {
        ObjectNode body = json.createObjectNode().put("resource_provider_generation", 0);
        body.set("inventories", inventories);
        return send("PUT", "resource_providers/" + rp + "/inventories", body, 200).path("resource_provider_generation").asLong();
    }

    private JsonNode send(String method, String path, JsonNode body, int... ok) {
        HttpResponse<String> res = exchange(method, path, body);
        for (int c : ok) {
            if (res.statusCode() == c) {
                try {
                    return res.body().isBlank() ? json.createObjectNode() : json.readTree(res.body());
                } catch (IOException e) {
                    throw new UncheckedIOException("Placement answered " + method + " /" + path + " with bad JSON: " + e.getMessage(), e);
                }
            }
        }
        throw new IllegalStateException("Placement answered " + method + " /" + path + " with HTTP " + res.statusCode() + ": " + res.body().strip());
    }

    private int status(String method, String path, JsonNode body) { return exchange(method, path, body).statusCode(); }

    private HttpResponse<String> exchange(String method, String path, JsonNode body) {
        HttpRequest.Builder b = HttpRequest.newBuilder(base.resolve(path)).timeout(Duration.ofSeconds(30))
                .header("x-auth-token", "admin").header("OpenStack-API-Version", VERSION).header("Accept", "application/json");
        if (body != null) b.header("Content-Type", "application/json").method(method, HttpRequest.BodyPublishers.ofString(body.toString()));
        else b.method(method, HttpRequest.BodyPublishers.noBody());
        HttpRequest req = b.build();
        for (int attempt = 1; ; attempt++) {
            try {
                return http.send(req, HttpResponse.BodyHandlers.ofString());
            } catch (IOException e) {
                // placement-api's standalone server speaks HTTP/1.0 and closes each connection: a request sent on one it
                // closed meanwhile never reached it, and goes again on a new one
                if (attempt < 3 && e.getMessage() != null && e.getMessage().contains("received no bytes")) continue;
                throw new UncheckedIOException("cannot reach Placement at " + base + ": " + e.getMessage(), e);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted while talking to Placement", e);
            }
        }
    }

    private static boolean loopback(String host) {
        try {
            return InetAddress.getByName(host).isLoopbackAddress();
        } catch (UnknownHostException e) {
            return false;
        }
    }
}
