package io.vmqos.lab.calibrate;

import io.vmqos.core.StageKind;

import java.util.Collections;
import java.util.EnumMap;
import java.util.Map;

/**
 * What one calibration point measured: over a wall-clock window of {@code wallNs} that brackets the whole load
 * run, the echo's request and reply counts and the CPU time each stage's threads used (schedstat deltas).
 *
 * <p><b>Packets through a stage.</b> Every echo request crosses every stage once inbound and its reply crosses
 * every stage once outbound, so the stage carries {@code requests + replies} packets in the window (a lost
 * request counts once). This is the same unit as {@link io.vmqos.core.NetworkSla#ratePps()}: packets per second
 * through the path, both directions counted. Bytes are L2 frame bytes ({@link CalibrationPoint#frameBytes()}).
 * Immutable.
 *
 * @param point the grid point
 * @param wallNs length of the measurement window
 * @param requests echo requests sent
 * @param replies echo replies received
 * @param stageCpuNs CPU ns each stage's threads used in the window
 */
public record PointMeasurement(CalibrationPoint point, long wallNs, long requests, long replies, Map<StageKind, Long> stageCpuNs) {
    public PointMeasurement {
        if (wallNs <= 0) throw new IllegalArgumentException("wallNs must be positive: " + wallNs);
        stageCpuNs = Collections.unmodifiableMap(new EnumMap<>(stageCpuNs));
    }

    /** Packets per second through each stage: {@code (requests + replies) / window}. */
    public double packetsPerSecond() { return (requests + replies) * 1e9 / wallNs; }

    /** Frame bytes per second through each stage: {@link #packetsPerSecond()} × frame bytes. */
    public double bytesPerSecond() { return packetsPerSecond() * point.frameBytes(); }

    /** CPU ns per wall second the stage's threads used ({@code 1e9} = one whole CPU). */
    public double cpuNsPerSecond(StageKind stage) {
        Long ns = stageCpuNs.get(stage);
        return ns == null ? 0 : ns * 1e9 / wallNs;
    }
}
