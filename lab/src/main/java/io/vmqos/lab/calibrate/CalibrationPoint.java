package io.vmqos.lab.calibrate;

/**
 * One point of the calibration grid: the paced echo at {@code rate} requests/s of {@code sizeBytes}-byte UDP
 * payloads, in repetition {@code round} (0-based). Immutable.
 */
public record CalibrationPoint(long rate, int sizeBytes, int round) {
    /** Bytes of the Ethernet frame carrying a {@code payloadBytes} UDP payload over IPv4: + 8 UDP + 20 IP + 14 Ethernet. */
    public static final int FRAME_OVERHEAD_BYTES = 42;

    /** The L2 frame size of this point's packets (what {@link io.vmqos.core.StageCost#perByteNs()} charges). */
    public int frameBytes() { return sizeBytes + FRAME_OVERHEAD_BYTES; }
}
