package io.vmqos.core.config;

import io.vmqos.core.InvalidInputException;
import io.vmqos.core.NetworkSla;

/**
 * The SLA of one direction of a VM's traffic ({@code rx}: host → VM, {@code tx}: VM → host). Immutable.
 *
 * @param rate the sustained rate, in packets per second or bits per second
 * @param packetBytes the size of one packet in bytes (L2 frame), 1..65535
 * @param burstPackets token-bucket depth in packets, {@code >= 1}
 * @param latencyBoundNs end-to-end delay bound in nanoseconds, {@code > 0}
 */
public record DirectionSla(Rate rate, int packetBytes, long burstPackets, long latencyBoundNs) {

    /** A sustained rate. */
    public sealed interface Rate {
        /** Packets per second at this SLA's packet size (a bit rate is rounded up to whole packets). */
        long pps(int packetBytes);
    }

    /** A rate given in packets per second ({@code 2000pps}). */
    public record PacketsPerSecond(long pps) implements Rate {
        public PacketsPerSecond {
            if (pps <= 0) throw new InvalidInputException("rate", "must be positive, got " + pps + "pps", "give e.g. 2000pps");
        }
        @Override public long pps(int packetBytes) { return pps; }
    }

    /** A rate given in bits per second ({@code 20mbit}). */
    public record BitsPerSecond(long bits) implements Rate {
        public BitsPerSecond {
            if (bits <= 0) throw new InvalidInputException("rate", "must be positive, got " + bits + "bit/s", "give e.g. 20mbit");
        }
        @Override public long pps(int packetBytes) { return Math.ceilDiv(bits, 8L * packetBytes); }
    }

    public DirectionSla {
        if (rate == null) throw new InvalidInputException("rate", "is missing", "give e.g. 2000pps or 20mbit");
        if (packetBytes <= 0 || packetBytes > 65_535) throw new InvalidInputException("packetSize", "must be 1..65535 bytes, got " + packetBytes, "give the frame size, e.g. 1500");
        if (burstPackets < 1) throw new InvalidInputException("burst", "must be at least 1 packet, got " + burstPackets, "give 1 or more packets");
        if (latencyBoundNs <= 0) throw new InvalidInputException("latency", "must be positive", "give a bound such as 5ms");
    }

    /** Packets per second (a bit rate rounded up to whole packets of {@link #packetBytes}). */
    public long ratePps() { return rate.pps(packetBytes); }

    /** This direction alone as a {@link NetworkSla}. */
    public NetworkSla toNetworkSla() { return new NetworkSla(ratePps(), packetBytes, burstPackets, latencyBoundNs); }

    /**
     * The SLA the VM's threads are sized for when both directions are given. The same threads (vCPUs, main loop,
     * vhost, NAPI) carry both directions, so they must serve the sum of both: rate {@code rx + tx} (in packets per
     * second, each direction converted at its own packet size), burst {@code rx + tx}, latency {@code min(rx, tx)}
     * and packet size {@code max(rx, tx)}. Charging every packet at the larger size over-estimates the CPU cost
     * (costs grow with size), so the guarantee holds for each direction; it is conservative, never optimistic.
     */
    public static NetworkSla combine(DirectionSla rx, DirectionSla tx) {
        return new NetworkSla(Math.addExact(rx.ratePps(), tx.ratePps()), Math.max(rx.packetBytes, tx.packetBytes),
                Math.addExact(rx.burstPackets, tx.burstPackets), Math.min(rx.latencyBoundNs, tx.latencyBoundNs));
    }
}
