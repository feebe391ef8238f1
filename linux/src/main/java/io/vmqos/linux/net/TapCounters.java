package io.vmqos.linux.net;

import com.fasterxml.jackson.databind.JsonNode;
import io.vmqos.core.net.TapRef;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;

/**
 * A tap's packet and byte counters, as the host sees them (the tap's {@code rx} is what the guest sent): from sysfs
 * for a tap in this network namespace, through {@code ip -n NS -s -j link show} for one in a named namespace.
 * Read-only, thread-safe.
 */
public final class TapCounters {
    /** Counters of one device, host side. */
    public record Counters(long rxPackets, long rxBytes, long txPackets, long txBytes) {}

    private final IpRoute ip;
    private final Path sysClassNet;

    public TapCounters(IpRoute ip) { this(ip, Path.of("/sys/class/net")); }

    TapCounters(IpRoute ip, Path sysClassNet) {
        this.ip = ip;
        this.sysClassNet = sysClassNet;
    }

    /** The tap's counters now; empty when it is gone. */
    public Optional<Counters> read(TapRef tap) {
        try {
            if (tap.ns() == null) {
                Path s = sysClassNet.resolve(tap.name()).resolve("statistics");
                return Optional.of(new Counters(num(s, "rx_packets"), num(s, "rx_bytes"), num(s, "tx_packets"), num(s, "tx_bytes")));
            }
            JsonNode link = ip.ipJson(tap.ns(), "-s", "link", "show", "dev", tap.name()).path(0);
            JsonNode st = link.has("stats64") ? link.path("stats64") : link.path("stats");
            if (st.isMissingNode()) return Optional.empty();
            return Optional.of(new Counters(st.path("rx").path("packets").asLong(), st.path("rx").path("bytes").asLong(),
                    st.path("tx").path("packets").asLong(), st.path("tx").path("bytes").asLong()));
        } catch (IOException | RuntimeException gone) {
            return Optional.empty();
        }
    }

    private static long num(Path dir, String name) throws IOException {
        return Long.parseLong(Files.readString(dir.resolve(name)).strip());
    }
}
