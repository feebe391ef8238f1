package io.vmqos.core;

/**
 * What one pipeline stage costs in CPU time per packet: {@code perPacketNs + perByteNs × packetBytes}
 * nanoseconds of the stage thread's CPU. Measured by calibration or set by the operator. Immutable.
 *
 * @param perPacketNs fixed CPU nanoseconds per packet, {@code >= 0}
 * @param perByteNs CPU nanoseconds per byte of the packet (copy/checksum), {@code >= 0}, may be fractional
 * @param backgroundNsPerSecond CPU ns per second the stage's thread spends on work that is not packets (timer
 *     ticks, housekeeping: the calibration's idle intercept), {@code >= 0}; it takes part of every reserved runtime
 */
public record StageCost(double perPacketNs, double perByteNs, double backgroundNsPerSecond) {

    /** The largest background load a stage takes: just under one CPU (a measured one is clamped to it). */
    public static final double MAX_BACKGROUND_NS_PER_SECOND = 9.99e8;

    /** A stage without background load. */
    public StageCost(double perPacketNs, double perByteNs) { this(perPacketNs, perByteNs, 0); }

    public StageCost {
        if (!(perPacketNs >= 0) || Double.isInfinite(perPacketNs)) throw new InvalidInputException("cost.perPacket", "must be a finite value >= 0, got " + perPacketNs, "give CPU ns per packet, e.g. 800");
        if (!(perByteNs >= 0) || Double.isInfinite(perByteNs)) throw new InvalidInputException("cost.perByte", "must be a finite value >= 0, got " + perByteNs, "give CPU ns per byte, e.g. 0.25");
        if (!(backgroundNsPerSecond >= 0) || backgroundNsPerSecond >= 1e9) throw new InvalidInputException("cost.background", "must be in [0, 1e9) ns per second, got " + backgroundNsPerSecond, "give the stage's idle CPU ns per second, e.g. 2e7 for 2% of a CPU");
        if (perPacketNs == 0 && perByteNs == 0) throw new InvalidInputException("cost", "a stage that costs nothing needs no reservation", "give a positive per-packet or per-byte cost, or leave the stage out of the cost model");
    }

    /** CPU nanoseconds this stage spends on one packet of {@code packetBytes} bytes. */
    public double cpuNsPerPacket(int packetBytes) { return perPacketNs + perByteNs * packetBytes; }

    /** This cost with a background load of {@code nsPerSecond}. */
    public StageCost withBackground(double nsPerSecond) { return new StageCost(perPacketNs, perByteNs, nsPerSecond); }
}
