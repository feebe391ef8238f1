package io.vmqos.placement;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.NullNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.io.IOException;
import java.net.ConnectException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.UUID;

/**
 * OpenStack Placement's REST API at microversion {@value #MICROVERSION}: resource providers (with their parent),
 * inventories, traits, resource classes, allocations (with the consumer's generation) and allocation candidates.
 * Every request carries the token as {@code x-auth-token} (a Keystone token, or {@code admin} for a {@code noauth2}
 * Placement) and times out after {@link #TIMEOUT}. Every failure is a {@link PlacementException} naming the request,
 * the problem and the fix. Thread-safe (one {@link HttpClient}); each call is one request, nothing is cached.
 */
public final class PlacementClient {
    /** The microversion spoken: 1.39 (Placement 8.0.0, OpenStack 2023.1). */
    public static final String MICROVERSION = "1.39";
    /** Connect and whole-request timeout of every call. */
    public static final Duration TIMEOUT = Duration.ofSeconds(10);
    /** The project and user of vmqos's allocations (Placement wants both; they carry no authority). */
    public static final String PROJECT = "vmqos";

    private static final ObjectMapper JSON = new ObjectMapper();

    private final URI base;
    private final Optional<String> token;
    private final HttpClient http;

    /** A resource provider as Placement holds it; {@code parent} is null for a root provider. */
    public record Provider(UUID uuid, String name, long generation, UUID parent, UUID root) {}

    /** A consumer's allocations: per provider, per resource class; {@code generation} null when it has none. */
    public record Allocations(Map<UUID, Map<String, Long>> byProvider, Long generation, String userId) {}

    public PlacementClient(String url, Optional<String> token) {
        this.base = URI.create(url.endsWith("/") ? url : url + "/");
        this.token = token;
        this.http = HttpClient.newBuilder().connectTimeout(TIMEOUT).build();
    }

    public URI url() { return base; }

    /**
     * Checks that the URL is Placement and speaks {@value #MICROVERSION}: its root document lists a version whose
     * {@code min_version}..{@code max_version} covers it.
     */
    public void checkService() {
        JsonNode root = send("GET", "", null);
        JsonNode versions = root.path("versions");
        if (!versions.isArray() || versions.isEmpty()) {
            throw new PlacementException(PlacementException.Kind.NOT_PLACEMENT, 200, base + " answers but is not OpenStack Placement (its root document lists no versions)"
                    + " (fix: give Placement's endpoint, e.g. http://controller:8778; openstack endpoint list --service placement)", null);
        }
        for (JsonNode v : versions) {
            if (compare(v.path("min_version").asText("9.0"), MICROVERSION) <= 0 && compare(MICROVERSION, v.path("max_version").asText("0.0")) <= 0) return;
        }
        throw new PlacementException(PlacementException.Kind.NOT_PLACEMENT, 200, base + " is Placement but does not speak microversion " + MICROVERSION
                + " (versions " + versions + ") (fix: use Placement 8.0.0 (OpenStack 2023.1) or newer)", null);
    }

    // ---- resource providers ------------------------------------------------------------------------------------

    public Optional<Provider> providerByName(String name) {
        List<Provider> l = providers("name=" + q(name));
        return l.isEmpty() ? Optional.empty() : Optional.of(l.getFirst());
    }

    /** The providers matching {@code query} ({@code GET /resource_providers?QUERY}; empty for all). */
    public List<Provider> providers(String query) {
        JsonNode r = send("GET", "resource_providers" + (query.isEmpty() ? "" : "?" + query), null);
        List<Provider> out = new ArrayList<>();
        for (JsonNode p : r.path("resource_providers")) out.add(provider(p));
        return out;
    }

    public Provider provider(UUID uuid) { return provider(send("GET", "resource_providers/" + uuid, null)); }

    /** Creates a provider under {@code parent} (null: a root). */
    public Provider createProvider(String name, UUID parent) {
        ObjectNode b = JSON.createObjectNode().put("name", name);
        if (parent != null) b.put("parent_provider_uuid", parent.toString());
        return provider(send("POST", "resource_providers", b));
    }

    public void deleteProvider(UUID uuid) { send("DELETE", "resource_providers/" + uuid, null); }

    private static Provider provider(JsonNode p) {
        return new Provider(UUID.fromString(p.path("uuid").asText()), p.path("name").asText(), p.path("generation").asLong(),
                p.path("parent_provider_uuid").isTextual() ? UUID.fromString(p.path("parent_provider_uuid").asText()) : null,
                p.path("root_provider_uuid").isTextual() ? UUID.fromString(p.path("root_provider_uuid").asText()) : null);
    }

    // ---- inventories, traits, resource classes -----------------------------------------------------------------

    /** A provider's inventories by resource class, as Placement's JSON fields. */
    public Map<String, JsonNode> inventories(UUID provider) {
        Map<String, JsonNode> out = new TreeMap<>();
        send("GET", "resource_providers/" + provider + "/inventories", null).path("inventories").properties().forEach(e -> out.put(e.getKey(), e.getValue()));
        return out;
    }

    /** Replaces a provider's inventories at {@code generation}; returns its new generation. 409 when it moved. */
    public long putInventories(UUID provider, long generation, Map<String, ObjectNode> inventories) {
        ObjectNode b = JSON.createObjectNode().put("resource_provider_generation", generation);
        ObjectNode inv = b.putObject("inventories");
        inventories.forEach(inv::set);
        return send("PUT", "resource_providers/" + provider + "/inventories", b).path("resource_provider_generation").asLong();
    }

    public Set<String> traits(UUID provider) {
        Set<String> out = new TreeSet<>();
        send("GET", "resource_providers/" + provider + "/traits", null).path("traits").forEach(t -> out.add(t.asText()));
        return out;
    }

    /** Replaces a provider's traits at {@code generation}; returns its new generation. 409 when it moved. */
    public long putTraits(UUID provider, long generation, Set<String> traits) {
        ObjectNode b = JSON.createObjectNode().put("resource_provider_generation", generation);
        var arr = b.putArray("traits");
        traits.forEach(arr::add);
        return send("PUT", "resource_providers/" + provider + "/traits", b).path("resource_provider_generation").asLong();
    }

    /** Creates a custom trait; nothing when it exists. Idempotent. */
    public void ensureTrait(String name) { send("PUT", "traits/" + name, null); }

    /** Creates a custom resource class; nothing when it exists. Idempotent. */
    public void ensureResourceClass(String name) { send("PUT", "resource_classes/" + name, null); }

    /** Usages per resource class of one provider. */
    public Map<String, Long> usages(UUID provider) {
        Map<String, Long> out = new TreeMap<>();
        send("GET", "resource_providers/" + provider + "/usages", null).path("usages").properties().forEach(e -> out.put(e.getKey(), e.getValue().asLong()));
        return out;
    }

    // ---- allocations -------------------------------------------------------------------------------------------

    /** The consumers holding allocations on {@code provider}. */
    public Set<UUID> consumersOf(UUID provider) {
        Set<UUID> out = new TreeSet<>();
        send("GET", "resource_providers/" + provider + "/allocations", null).path("allocations").properties().forEach(e -> out.add(UUID.fromString(e.getKey())));
        return out;
    }

    /** A consumer's allocations over every provider (empty, generation null, when it has none). */
    public Allocations allocations(UUID consumer) {
        JsonNode r = send("GET", "allocations/" + consumer, null);
        Map<UUID, Map<String, Long>> by = new LinkedHashMap<>();
        r.path("allocations").properties().forEach(e -> {
            Map<String, Long> res = new TreeMap<>();
            e.getValue().path("resources").properties().forEach(x -> res.put(x.getKey(), x.getValue().asLong()));
            by.put(UUID.fromString(e.getKey()), res);
        });
        JsonNode g = r.path("consumer_generation");
        return new Allocations(by, g.isNumber() ? g.asLong() : null, r.path("user_id").asText(""));
    }

    /**
     * Replaces every allocation of {@code consumer} ({@code PUT /allocations/{consumer}}) provided its generation is
     * still {@code generation} (null: a new consumer). An empty map removes them all. 409 when the consumer's or a
     * provider's generation moved, or a provider lacks the capacity.
     */
    public void putAllocations(UUID consumer, Map<UUID, Map<String, Long>> byProvider, Long generation, String userId) {
        ObjectNode b = JSON.createObjectNode();
        ObjectNode a = b.putObject("allocations");
        byProvider.forEach((rp, res) -> {
            ObjectNode r = a.putObject(rp.toString()).putObject("resources");
            res.forEach(r::put);
        });
        b.put("project_id", PROJECT).put("user_id", userId).put("consumer_type", "INSTANCE");
        if (generation == null) b.set("consumer_generation", NullNode.getInstance());
        else b.put("consumer_generation", generation);
        send("PUT", "allocations/" + consumer, b);
    }

    /** Removes every allocation of {@code consumer}; nothing when it has none. Idempotent. */
    public void deleteAllocations(UUID consumer) {
        try {
            send("DELETE", "allocations/" + consumer, null);
        } catch (PlacementException e) {
            if (e.kind() != PlacementException.Kind.NOT_FOUND) throw e;
        }
    }

    /** {@code GET /allocation_candidates?QUERY}, the response as Placement gives it. */
    public JsonNode allocationCandidates(String query) { return send("GET", "allocation_candidates?" + query, null); }

    // ---- transport ---------------------------------------------------------------------------------------------

    /** URL-encodes a query value. */
    public static String q(String v) { return URLEncoder.encode(v, StandardCharsets.UTF_8); }

    private JsonNode send(String method, String path, JsonNode body) {
        URI uri = base.resolve(path);
        HttpRequest.Builder b = HttpRequest.newBuilder(uri).timeout(TIMEOUT)
                .header("OpenStack-API-Version", "placement " + MICROVERSION).header("Accept", "application/json");
        token.ifPresent(t -> b.header("x-auth-token", t));
        if (body != null) b.header("Content-Type", "application/json");
        b.method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body.toString()));
        String what = method + " " + uri;
        HttpResponse<String> r;
        try {
            r = sendOnce(b.build());
        } catch (ConnectException e) {
            throw new PlacementException(PlacementException.Kind.UNREACHABLE, 0, what + ": connection refused (fix: start Placement, or give its URL, e.g. http://controller:8778)", e);
        } catch (HttpTimeoutException e) {
            throw new PlacementException(PlacementException.Kind.UNREACHABLE, 0, what + ": no answer within " + TIMEOUT.toSeconds() + " s (fix: check that Placement runs and is reachable)", e);
        } catch (IOException e) {
            throw new PlacementException(PlacementException.Kind.UNREACHABLE, 0, what + ": " + e + " (fix: check the URL and that Placement runs)", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new PlacementException(PlacementException.Kind.UNREACHABLE, 0, what + ": interrupted", e);
        }
        return answer(what, r.statusCode(), r.body());
    }

    /**
     * One exchange; again once when the pooled connection turned out closed before the request went out (a server
     * that closes after each answer, as Placement's own {@code placement-api} does, races with the pool's reuse).
     */
    private HttpResponse<String> sendOnce(HttpRequest req) throws IOException, InterruptedException {
        try {
            return http.send(req, HttpResponse.BodyHandlers.ofString());
        } catch (IOException e) {
            if (e instanceof ConnectException || e instanceof HttpTimeoutException || e.getMessage() == null || !e.getMessage().contains("received no bytes")) throw e;
            return http.send(req, HttpResponse.BodyHandlers.ofString());
        }
    }

    private JsonNode answer(String what, int status, String text) {
        JsonNode json = parse(text);
        if (status >= 200 && status < 300) {
            if (json == null && !text.isBlank()) throw notPlacement(what, status);
            return json == null ? JSON.createObjectNode() : json;
        }
        String detail = detail(json, text);
        throw switch (status) {
            case 401 -> new PlacementException(PlacementException.Kind.UNAUTHORIZED, status, what + ": 401, the token was refused (fix: give a valid Keystone token with --token or placement.token, e.g. openstack token issue -f value -c id; a noauth2 Placement takes 'admin')", null);
            case 403 -> new PlacementException(PlacementException.Kind.FORBIDDEN, status, what + ": 403, the token may not do this: " + detail + " (fix: use a token with Placement's admin or service role)", null);
            case 404 -> json == null || !json.has("errors") ? notPlacement(what, status)
                    : new PlacementException(PlacementException.Kind.NOT_FOUND, status, what + ": 404: " + detail + " (fix: check the name or UUID)", null);
            case 409 -> new PlacementException(PlacementException.Kind.CONFLICT, status, what + ": 409, changed meanwhile or out of capacity: " + detail + " (fix: re-read and retry)", null);
            case 400 -> detail.contains("No such resource class") || detail.contains("Unknown resource class")
                    ? new PlacementException(PlacementException.Kind.UNKNOWN_RESOURCE_CLASS, status, what + ": unknown resource class: " + detail + " (fix: publish a host first (vmqos fleet publish) so that the class exists, or check its spelling)", null)
                    : new PlacementException(PlacementException.Kind.BAD_REQUEST, status, what + ": 400: " + detail + " (fix: check the request's values)", null);
            default -> json == null || !json.has("errors") ? notPlacement(what, status)
                    : new PlacementException(PlacementException.Kind.SERVER_ERROR, status, what + ": " + status + ": " + detail + " (fix: see Placement's log)", null);
        };
    }

    private PlacementException notPlacement(String what, int status) {
        return new PlacementException(PlacementException.Kind.NOT_PLACEMENT, status, what + ": answered " + status + " but not as OpenStack Placement does"
                + " (fix: give Placement's endpoint, e.g. http://controller:8778; openstack endpoint list --service placement)", null);
    }

    private static JsonNode parse(String text) {
        if (text == null || text.isBlank()) return null;
        try {
            JsonNode n = JSON.readTree(text);
            return n != null && n.isObject() ? n : null;
        } catch (IOException e) {
            return null;
        }
    }

    /** Placement's error detail ({@code errors[].detail}, its boilerplate first paragraph dropped). */
    private static String detail(JsonNode json, String text) {
        if (json == null) return text.length() > 200 ? text.substring(0, 200) + "..." : text;
        List<String> out = new ArrayList<>();
        for (Iterator<JsonNode> it = json.path("errors").elements(); it.hasNext(); ) {
            String d = it.next().path("detail").asText("").strip();
            int cut = d.lastIndexOf("\n\n");
            out.add((cut >= 0 ? d.substring(cut + 2) : d).strip());
        }
        if (out.isEmpty()) return json.path("message").asText(json.toString());
        return String.join("; ", out);
    }

    /** Compares two microversions {@code X.Y} numerically. */
    static int compare(String a, String b) {
        String[] x = a.split("\\."), y = b.split("\\.");
        try {
            int c = Integer.compare(Integer.parseInt(x[0]), Integer.parseInt(y[0]));
            return c != 0 ? c : Integer.compare(Integer.parseInt(x.length > 1 ? x[1] : "0"), Integer.parseInt(y.length > 1 ? y[1] : "0"));
        } catch (NumberFormatException e) {
            return a.compareTo(b);
        }
    }
}
