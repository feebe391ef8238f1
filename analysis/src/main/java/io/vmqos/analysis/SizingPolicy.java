package io.vmqos.analysis;

import io.vmqos.core.InvalidInputException;

/**
 * Knobs of the {@link Sizer}. Immutable.
 *
 * @param overheadPerActivationNs CPU ns of each period's runtime assumed lost to wake-up, context switch and cache
 *     refill, added on top of the runtime the packets need (default 5 µs)
 * @param rateMargin factor {@code >= 1} on the CPU rate a stage needs, {@code (Q − o)/P >= margin · r · c}
 *     (default 1.10: cost models are measured averages)
 * @param latencySplitSteps the latency budget is split between the stages' latencies and the one burst term in
 *     multiples of {@code 1/steps} (default 20; 3..1000); more steps find smaller bandwidths, cost grows as
 *     {@code steps^stages}
 */
public record SizingPolicy(long overheadPerActivationNs, double rateMargin, int latencySplitSteps) {
    public static final SizingPolicy DEFAULT = new SizingPolicy(5_000, 1.10, 20);

    public SizingPolicy {
        if (overheadPerActivationNs < 0) throw new InvalidInputException("sizing.overhead", "must not be negative", "give e.g. 5us");
        if (!(rateMargin >= 1) || Double.isInfinite(rateMargin)) throw new InvalidInputException("sizing.rateMargin", "must be >= 1, got " + rateMargin, "give e.g. 1.10");
        if (latencySplitSteps < 3 || latencySplitSteps > 1000) throw new InvalidInputException("sizing.latencySplitSteps", "must be 3..1000, got " + latencySplitSteps, "give e.g. 12");
    }

    public SizingPolicy withOverhead(long ns) { return new SizingPolicy(ns, rateMargin, latencySplitSteps); }

    public SizingPolicy withRateMargin(double m) { return new SizingPolicy(overheadPerActivationNs, m, latencySplitSteps); }
}
