package io.vmqos.analysis;

/**
 * Rate-latency service curve {@code β_{R,T}(t) = R·(t − T)⁺} (Le Boudec &amp; Thiran, Network Calculus, 2001,
 * Sec. 1.3.1) and the three simple bounds of Sec. 1.4 against a {@link TokenBucket}. Units: "units" (packets or
 * CPU ns of work) and nanoseconds; a bound that does not exist ({@code r > R}) is
 * {@link Double#POSITIVE_INFINITY}. Immutable, pure.
 *
 * @param rate R in units per nanosecond, {@code >= 0}
 * @param latencyNs T in nanoseconds, {@code >= 0}
 */
public record RateLatencyCurve(double rate, double latencyNs) {
    public RateLatencyCurve {
        if (!(rate >= 0) || !(latencyNs >= 0) || Double.isInfinite(rate) || Double.isInfinite(latencyNs)) {
            throw new IllegalArgumentException("rate-latency curve needs finite R >= 0 and T >= 0, got R=" + rate + " T=" + latencyNs);
        }
    }

    /** {@code β(t)}: the least service in any backlogged interval of {@code t} ns. */
    public double value(double t) { return t <= latencyNs ? 0 : rate * (t - latencyNs); }

    /**
     * Concatenation (min-plus convolution) {@code β_{R1,T1} ⊗ β_{R2,T2} = β_{min(R1,R2), T1+T2}}
     * (Le Boudec &amp; Thiran, Thm 1.4.6): a flow crossing both nodes pays each latency once and the bottleneck
     * rate, so its burst is paid only once.
     */
    public RateLatencyCurve concat(RateLatencyCurve next) {
        return new RateLatencyCurve(Math.min(rate, next.rate), latencyNs + next.latencyNs);
    }

    /** Horizontal deviation {@code h(γ_{r,b}, β_{R,T}) = T + b/R} for {@code r <= R} (delay bound, Sec. 1.4.1). */
    public double delayBound(TokenBucket a) {
        if (a.rate() > rate) return Double.POSITIVE_INFINITY;
        if (a.burst() == 0) return latencyNs;
        return latencyNs + a.burst() / rate;
    }

    /** Vertical deviation {@code v(γ_{r,b}, β_{R,T}) = b + r·T} for {@code r <= R} (backlog bound, Sec. 1.4.1). */
    public double backlogBound(TokenBucket a) {
        if (a.rate() > rate) return Double.POSITIVE_INFINITY;
        return a.burst() + a.rate() * latencyNs;
    }

    /**
     * Output arrival curve {@code α ⊘ β = γ_{r, b + r·T}} for {@code r <= R} (output flow bound, Sec. 1.4.1):
     * the flow leaves with the same rate and its burst grown by {@code r·T}.
     */
    public TokenBucket output(TokenBucket a) {
        if (a.rate() > rate) throw new IllegalArgumentException("unstable: arrival rate " + a.rate() + " above service rate " + rate);
        return new TokenBucket(a.rate(), a.burst() + a.rate() * latencyNs);
    }

    /** Burst of {@link #output}: {@code b + r·T}. */
    public double outputBurst(TokenBucket a) { return output(a).burst(); }

    /** This curve of CPU work seen in packets: rate divided by the CPU ns each packet costs. */
    public RateLatencyCurve inPackets(double cpuNsPerPacket) { return new RateLatencyCurve(rate / cpuNsPerPacket, latencyNs); }
}
