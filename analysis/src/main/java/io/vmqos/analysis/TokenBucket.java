package io.vmqos.analysis;

/**
 * Token-bucket (affine) arrival curve {@code γ_{r,b}(t) = b + r·t} for {@code t > 0}, 0 at {@code t = 0}
 * (Le Boudec &amp; Thiran, Network Calculus, 2001, Sec. 1.2.2). Units are generic: "units" (packets, or CPU ns
 * of work) and nanoseconds. Immutable, pure.
 *
 * @param rate sustained rate r in units per nanosecond, {@code >= 0}
 * @param burst burst b in units, {@code >= 0}
 */
public record TokenBucket(double rate, double burst) {
    public TokenBucket {
        if (!(rate >= 0) || !(burst >= 0) || Double.isInfinite(rate) || Double.isInfinite(burst)) {
            throw new IllegalArgumentException("token bucket needs finite rate >= 0 and burst >= 0, got r=" + rate + " b=" + burst);
        }
    }

    /** A packet envelope from a rate in packets per second and a burst in packets. */
    public static TokenBucket ofPacketsPerSecond(double pps, double burstPackets) {
        return new TokenBucket(pps / 1e9, burstPackets);
    }

    /** {@code α(t)}: the most units that can arrive in any interval of {@code t} ns. */
    public double value(double t) { return t <= 0 ? 0 : burst + rate * t; }

    /** The same envelope measured in CPU work: each unit costs {@code cpuNsPerUnit} ns of CPU. */
    public TokenBucket inCpuTime(double cpuNsPerUnit) { return new TokenBucket(rate * cpuNsPerUnit, burst * cpuNsPerUnit); }
}
