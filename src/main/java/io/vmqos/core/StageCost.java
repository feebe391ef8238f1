package io.vmqos.core;

/**
 * What one pipeline stage costs in CPU time per packet: {@code perPacketNs + perByteNs × packetBytes}
 * nanoseconds of the stage thread's CPU. Measured by calibration or set by the operator. Immutable.
 *
 * @param perPacketNs fixed CPU nanoseconds per packet, {@code >= 0}
 * @param perByteNs CPU nanoseconds per byte of the packet (copy/checksum), {@code >= 0}, may be fractional
 */
public record StageCost(double perPacketNs, double perByteNs) {

    public StageCost {
        if (!(perPacketNs >= 0) || Double.isInfinite(perPacketNs)) throw new InvalidInputException("cost.perPacket", "must be a finite value >= 0, got " + perPacketNs, "give CPU ns per packet, e.g. 800");
        if (!(perByteNs >= 0) || Double.isInfinite(perByteNs)) throw new InvalidInputException("cost.perByte", "must be a finite value >= 0, got " + perByteNs, "give CPU ns per byte, e.g. 0.25");
        if (perPacketNs == 0 && perByteNs == 0) throw new InvalidInputException("cost", "a stage that costs nothing needs no reservation", "give a positive per-packet or per-byte cost, or leave the stage out of the cost model");
    }

    /** CPU nanoseconds this stage spends on one packet of {@code packetBytes} bytes. */
    public double cpuNsPerPacket(int packetBytes) { return perPacketNs + perByteNs * packetBytes; }
}
