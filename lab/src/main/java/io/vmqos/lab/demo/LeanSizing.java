package io.vmqos.lab.demo;

import io.vmqos.core.Reservation;

/**
 * A lean reservation from a measured share (the fleet simulation's {@code LeanRequest}): runtime = a stage's measured CPU share at the demo's rate, per thread (the stage's
 * threads' use together, shared out evenly) × the period, no headroom (SCHED_FLAG_RECLAIM lets a thread run on what
 * others leave when it needs more), at least 100 µs. So it reserves about what the VM uses. Pure.
 */
public final class LeanSizing {
    static final long MIN_RUNTIME_NS = 100_000L;

    private LeanSizing() {}

    /** @param cpuShare measured fraction of one CPU (0..1) */
    public static Reservation size(double cpuShare) {
        long p = AutoSizing.PERIOD_NS;
        long q = Math.round(Math.max(0, cpuShare) * p / 10_000.0) * 10_000L;
        return Reservation.of(Math.min(Math.max(MIN_RUNTIME_NS, q), p * 8 / 10), p);
    }
}
