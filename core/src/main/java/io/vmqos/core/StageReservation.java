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
 * @param threads how many threads get this reservation each (a VM's vCPUs: any of them may carry the packets, so each
 *     gets the whole stage's reservation), at least 1; admission counts every one
 */
public record StageReservation(StageKind stage, Reservation reservation, long guaranteedRatePps, long latencyNs, int threads) {
    public StageReservation {
        if (stage == null || reservation == null) throw new IllegalArgumentException("stage and reservation are required");
        if (threads < 1) throw new IllegalArgumentException("a stage has at least one thread, got " + threads);
    }

    /** One thread. */
    public StageReservation(StageKind stage, Reservation reservation, long guaranteedRatePps, long latencyNs) {
        this(stage, reservation, guaranteedRatePps, latencyNs, 1);
    }

    /** The same reservation for {@code n} threads. */
    public StageReservation withThreads(int n) { return new StageReservation(stage, reservation, guaranteedRatePps, latencyNs, Math.max(1, n)); }

    /** What the stage's threads hold together: Q/P times the number of threads. */
    public CpuBandwidth bandwidth() { return reservation.bandwidth().times(threads); }
}
