package io.vmqos.core;

/**
 * A VM's network service level: a token-bucket traffic envelope (sustained rate and burst, in packets of a
 * fixed size) and the end-to-end delay every packet within that envelope must meet.
 *
 * <p>Immutable; the constructor refuses meaningless values with an {@link InvalidInputException}.
 *
 * @param ratePps sustained rate in packets per second, {@code > 0}
 * @param packetBytes size of one packet in bytes (L2 frame, as the {@link CostModel} charges it), {@code > 0}
 * @param burstPackets token-bucket depth in packets: how many packets may arrive at once, {@code >= 0}
 * @param latencyBoundNs end-to-end delay bound in nanoseconds that the plan must guarantee, {@code > 0}
 */
public record NetworkSla(long ratePps, int packetBytes, long burstPackets, long latencyBoundNs) {

    public NetworkSla {
        if (ratePps <= 0) throw new InvalidInputException("sla.rate", "must be positive, got " + ratePps + " pps", "give a rate such as 10000 pps or 100Mbit/s");
        if (packetBytes <= 0 || packetBytes > 65_535) throw new InvalidInputException("sla.packetSize", "must be 1..65535 bytes, got " + packetBytes, "give the frame size, e.g. 1500");
        if (burstPackets < 0) throw new InvalidInputException("sla.burst", "must not be negative, got " + burstPackets, "give 0 or more packets");
        if (latencyBoundNs <= 0) throw new InvalidInputException("sla.latency", "must be positive, got " + Durations.format(latencyBoundNs), "give a bound such as 2ms");
    }

    /**
     * An SLA given as a bit rate: the packet rate is {@code ceil(bitsPerSecond / (8 × packetBytes))}, rounded up
     * so that the guarantee covers the whole bit rate.
     */
    public static NetworkSla ofBitsPerSecond(long bitsPerSecond, int packetBytes, long burstPackets, long latencyBoundNs) {
        if (bitsPerSecond <= 0) throw new InvalidInputException("sla.rate", "must be positive, got " + bitsPerSecond + " bit/s", "give a rate such as 100Mbit/s");
        if (packetBytes <= 0) throw new InvalidInputException("sla.packetSize", "must be positive, got " + packetBytes, "give the frame size, e.g. 1500");
        long bitsPerPacket = 8L * packetBytes;
        return new NetworkSla(Math.ceilDiv(bitsPerSecond, bitsPerPacket), packetBytes, burstPackets, latencyBoundNs);
    }

    /** The rate in bits per second this SLA carries ({@code ratePps × 8 × packetBytes}). */
    public long bitsPerSecond() { return ratePps * 8L * packetBytes; }

    /** The same SLA with another packet rate (used to search what would fit). */
    public NetworkSla withRatePps(long pps) { return new NetworkSla(pps, packetBytes, burstPackets, latencyBoundNs); }

    /** The same SLA with another latency bound (used to search what would fit). */
    public NetworkSla withLatencyBoundNs(long ns) { return new NetworkSla(ratePps, packetBytes, burstPackets, ns); }
}
