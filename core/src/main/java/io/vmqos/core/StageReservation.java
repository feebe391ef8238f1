package io.vmqos.core;

/**
 * The reservation planned for one stage of one VM, with what it guarantees.
 *
 * @param stage which pipeline stage
 * @param reservation the SCHED_DEADLINE runtime/deadline/period for the stage's thread
 * @param guaranteedRatePps packets per second the reservation serves in the long run, after the per-activation
 *     overhead allowance (floor of {@code (Q − overhead) / (P × cpuNsPerPacket)} × 10^9)
 * @param latencyNs the stage's service-curve latency in nanoseconds: the longest time the stage may get no CPU
 *     ({@code P + D − 2(Q − overhead)}), its share of the end-to-end bound before the burst term
 */
public record StageReservation(StageKind stage, Reservation reservation, long guaranteedRatePps, long latencyNs) {
    public StageReservation {
        if (stage == null || reservation == null) throw new IllegalArgumentException("stage and reservation are required");
    }
}
