package io.vmqos.linux.net;

import com.fasterxml.jackson.databind.JsonNode;

import java.util.ArrayList;
import java.util.List;

/**
 * The configuration part of one qdisc from {@code tc -j qdisc show}: kind, handle, parent ({@code root} for the
 * root) and its options as JSON text; counters and {@code refcnt} are dropped so two snapshots compare equal when
 * the configuration is the same.
 */
public record QdiscState(String kind, String handle, String parent, String options) {

    static List<QdiscState> of(JsonNode arr) {
        List<QdiscState> out = new ArrayList<>();
        for (JsonNode q : arr) {
            String parent = q.path("root").asBoolean(false) ? "root" : IpRoute.text(q, "parent");
            out.add(new QdiscState(IpRoute.text(q, "kind"), IpRoute.text(q, "handle"), parent,
                    withoutCounters(q.path("options"))));
        }
        return out;
    }

    /** Options minus the counters some qdiscs report among them (HTB's {@code direct_packets_stat}). */
    private static String withoutCounters(JsonNode options) {
        if (!options.isObject()) return options.toString();
        com.fasterxml.jackson.databind.node.ObjectNode copy = ((com.fasterxml.jackson.databind.node.ObjectNode) options).deepCopy();
        copy.remove(COUNTERS);
        return copy.toString();
    }

    private static final List<String> COUNTERS = List.of("direct_packets_stat");

    /** True for a qdisc the kernel attached by itself (handle 0:), which deleting the root brings back. */
    public boolean isKernelDefault() { return "0:".equals(handle); }

    public boolean isRoot() { return "root".equals(parent); }

    public boolean isIngress() { return "ingress".equals(kind) || "clsact".equals(kind); }
}
