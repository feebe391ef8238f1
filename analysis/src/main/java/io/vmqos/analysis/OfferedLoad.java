package io.vmqos.analysis;

import io.vmqos.core.config.DirectionSla;

/**
 * What one direction of a VM's traffic offered over a window, against its SLA's envelope: a token bucket of the SLA's
 * rate and burst admits at most {@code rate × window + burst} packets, and as many bytes at its packet size. Beyond
 * that the guarantee does not cover the excess. Pure value.
 *
 * @param direction {@code rx} (host → VM) or {@code tx} (VM → host), as in the SLA
 * @param packets packets seen in the window
 * @param windowNs the window's length
 * @param slaPps the SLA's rate in packets per second
 */
public record OfferedLoad(String vm, String direction, long packets, long bytes, long windowNs, long slaPps, long envelopePackets,
                          long envelopeBytes) {
    /** The load of a window against {@code sla}. */
    public static OfferedLoad of(String vm, String direction, DirectionSla sla, long packets, long bytes, long windowNs) {
        if (windowNs <= 0) throw new IllegalArgumentException("window must be positive, got " + windowNs + " ns");
        long pps = sla.rate().pps(sla.packetBytes());
        long envPackets = (long) Math.ceil(pps * (windowNs / 1e9)) + sla.burstPackets();
        return new OfferedLoad(vm, direction, packets, bytes, windowNs, pps, envPackets, envPackets * sla.packetBytes());
    }

    /** Packets per second offered over the window. */
    public double pps() { return packets / (windowNs / 1e9); }

    /** True when the window held more packets, or more bytes, than the SLA's envelope admits. */
    public boolean exceeds() { return packets > envelopePackets || bytes > envelopeBytes; }

    /**
     * For the log, e.g. {@code vm web: rx offered 480 pps (4800 packets, 470400 bytes in 10.0 s) exceeds its SLA's
     * 100 pps + burst (1008 packets, 129024 bytes)}.
     */
    public String describe() {
        return String.format(java.util.Locale.ROOT, "vm %s: %s offered %.0f pps (%d packets, %d bytes in %.1f s) %s its SLA's %d pps + burst (%d packets, %d bytes)",
                vm, direction, pps(), packets, bytes, windowNs / 1e9, exceeds() ? "exceeds" : "is within", slaPps, envelopePackets, envelopeBytes);
    }
}
