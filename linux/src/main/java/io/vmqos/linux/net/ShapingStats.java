package io.vmqos.linux.net;

import com.fasterxml.jackson.databind.JsonNode;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * A device's shaping state and counters: every class and qdisc, read with {@code tc -s class show} and
 * {@code tc -j -s qdisc show}.
 *
 * <p>iproute2 6.1 ignores {@code -j} for {@code tc class show} (checked on the dev machine: it prints text), so
 * classes are parsed from JSON when tc gives JSON (newer iproute2: rates as numbers in <b>bytes/s</b>, converted
 * here to bits/s) and from text otherwise (rates with SI units, e.g. {@code 100Mbit}; see {@link NetUnits}).
 */
public record ShapingStats(String device, String ns, List<ClassStats> classes, List<QdiscStats> qdiscs) {
    public ShapingStats {
        classes = List.copyOf(classes);
        qdiscs = List.copyOf(qdiscs);
    }

    public Optional<ClassStats> classById(String id) {
        return classes.stream().filter(c -> c.classId().equals(id)).findFirst();
    }

    /** Reads both tables for {@code device} in {@code ns}. */
    public static ShapingStats read(IpRoute ip, String device, String ns) {
        String classes = ip.tcText(ns, "-s", "class", "show", "dev", device);
        List<QdiscStats> qd = new ArrayList<>();
        for (JsonNode q : ip.tcJson(ns, "-s", "qdisc", "show", "dev", device)) {
            qd.add(new QdiscStats(IpRoute.text(q, "kind"), IpRoute.text(q, "handle"),
                    q.path("root").asBoolean(false) ? "root" : IpRoute.text(q, "parent"),
                    q.path("bytes").asLong(), q.path("packets").asLong(), q.path("drops").asLong(),
                    q.path("overlimits").asLong(), q.path("backlog").asLong(), q.path("qlen").asLong()));
        }
        return new ShapingStats(device, ns, parseClasses(classes), qd);
    }

    static List<ClassStats> parseClasses(String out) {
        String s = out.strip();
        if (s.isEmpty()) return List.of();
        if (s.startsWith("[")) return parseJson(IpRoute.parse(new CommandRunner.CommandResult(List.of("tc"), 0, s, "")));
        return parseText(s);
    }

    private static List<ClassStats> parseJson(JsonNode arr) {
        List<ClassStats> out = new ArrayList<>();
        for (JsonNode c : arr) {
            String kind = IpRoute.text(c, "class");
            if (kind == null) kind = IpRoute.text(c, "kind");
            String parent = c.path("root").asBoolean(false) ? "root" : IpRoute.text(c, "parent");
            JsonNode est = c.path("rate_est");
            long estBits = est.isObject() ? est.path("bps").asLong() * 8 : 0;
            out.add(new ClassStats(kind, IpRoute.text(c, "handle"), parent,
                    c.path("rate").asLong() * 8, c.path("ceil").asLong() * 8, c.path("burst").asLong(),
                    c.path("cburst").asLong(), c.path("bytes").asLong(), c.path("packets").asLong(),
                    c.path("drops").asLong(), c.path("overlimits").asLong(), estBits));
        }
        return out;
    }

    /** tc's text: a {@code class KIND ID ...} line followed by indented statistics lines. */
    static List<ClassStats> parseText(String text) {
        List<ClassStats> out = new ArrayList<>();
        Builder b = null;
        for (String raw : text.split("\n")) {
            String line = raw.strip();
            if (line.isEmpty()) continue;
            String[] t = line.split("\\s+");
            if (raw.startsWith("class ")) {
                if (b != null) out.add(b.build());
                b = new Builder();
                b.kind = t[1];
                b.id = t[2];
                for (int i = 3; i < t.length; i++) {
                    String v = i + 1 < t.length ? t[i + 1] : "";
                    switch (t[i]) {
                        case "root" -> b.parent = "root";
                        case "parent" -> { b.parent = v; i++; }
                        case "rate" -> { b.rate = NetUnits.parseRateBits("rate", v); i++; }
                        case "ceil" -> { b.ceil = NetUnits.parseRateBits("ceil", v); i++; }
                        case "burst" -> { b.burst = NetUnits.parseSizeBytes("burst", v); i++; }
                        case "cburst" -> { b.cburst = NetUnits.parseSizeBytes("cburst", v); i++; }
                        case "leaf", "prio", "quantum" -> i++;
                        default -> { }
                    }
                }
            } else if (b != null && t[0].equals("Sent")) {
                // Sent 1234 bytes 56 pkt (dropped 0, overlimits 0 requeues 0)
                b.bytes = Long.parseLong(t[1]);
                b.packets = Long.parseLong(t[3]);
                for (int i = 4; i + 1 < t.length; i++) {
                    String v = t[i + 1].replaceAll("[^0-9]", "");
                    if (v.isEmpty()) continue;
                    if (t[i].equals("(dropped")) b.drops = Long.parseLong(v);
                    if (t[i].equals("overlimits")) b.overlimits = Long.parseLong(v);
                }
            } else if (b != null && t[0].equals("rate") && t.length > 1 && t[1].endsWith("bit")) {
                b.est = t[1].matches("0+[a-zA-Z]*") ? 0 : NetUnits.parseRateBits("rate estimate", t[1]);
            }
        }
        if (b != null) out.add(b.build());
        return out;
    }

    private static final class Builder {
        String kind, id, parent = "";
        long rate, ceil, burst, cburst, bytes, packets, drops, overlimits, est;

        ClassStats build() {
            return new ClassStats(kind, id, parent, rate, ceil, burst, cburst, bytes, packets, drops, overlimits, est);
        }
    }
}
