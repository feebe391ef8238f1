package io.vmqos.lab.demo;

import io.vmqos.core.Reservation;

/**
 * Sizes a reservation from a thread's measured CPU share when the operator gave none: runtime = 1.5 × measured use
 * + 10% of the period (headroom for bursts and per-activation overhead), at least 200us, at most 80% of the
 * period. Pure.
 */
public final class AutoSizing {
    /** The demo's period: short enough for a latency bound of a few ms, long enough for little overhead. */
    public static final long PERIOD_NS = 5_000_000L;

    private AutoSizing() {}

    /** @param cpuShare measured fraction of one CPU (0..1) */
    public static Reservation size(double cpuShare) {
        double share = Math.min(0.8, Math.max(0.04, 1.5 * Math.max(0, cpuShare) + 0.10));
        long q = Math.max(200_000L, Math.round(share * PERIOD_NS / 10_000.0) * 10_000L);
        return Reservation.of(Math.min(q, PERIOD_NS * 8 / 10), PERIOD_NS);
    }
}
