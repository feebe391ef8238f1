package io.vmqos.analysis;

import io.vmqos.core.InvalidInputException;
import io.vmqos.core.StageCost;

import java.util.Optional;

/**
 * The calibrated cost of one pipeline stage: the least-squares fit of
 * {@code cpuNsPerSecond = idle + perPacketNs·packetsPerSecond + perByteNs·bytesPerSecond} over measured points.
 * Immutable; {@link #fit} is pure.
 *
 * <p>Constraint: a negative per-byte slope is physically meaningless (copying more bytes never saves CPU) and
 * comes from noise when the per-byte cost is small; it is then clamped to 0 and the line refitted on packets/s
 * alone ({@link #perByteClamped()} is true, R² and residuals are those of the refit). A per-packet slope that is
 * still not positive is reported as is: {@link #usable()} is then false and {@link #stageCost()} empty.
 *
 * @param perPacketNs CPU ns per packet (b)
 * @param perByteNs CPU ns per byte (c), {@code >= 0}
 * @param idleNsPerSecond CPU ns per second the stage's threads use with no traffic (a, the intercept)
 * @param r2 coefficient of determination of the fit
 * @param maxAbsResidualNsPerSecond largest |measured − fitted| CPU ns per second
 * @param rmsResidualNsPerSecond root mean square of the residuals, CPU ns per second
 * @param perByteClamped whether c came out negative and was clamped to 0 (refit on packets/s alone)
 * @param points number of measured points fitted
 */
public record StageCostFit(double perPacketNs, double perByteNs, double idleNsPerSecond, double r2,
                           double maxAbsResidualNsPerSecond, double rmsResidualNsPerSecond, boolean perByteClamped, int points) {

    private static final String[] BOTH = {"packets/s", "bytes/s"};
    private static final String[] PACKETS = {"packets/s"};

    /**
     * Fits one stage. All arrays have one entry per measured point.
     *
     * @param packetsPerSecond packets through the stage per second at each point
     * @param bytesPerSecond bytes through the stage per second at each point
     * @param cpuNsPerSecond the stage threads' CPU ns per wall second at each point
     * @throws InvalidInputException when the points cannot determine the three unknowns (see {@link LinearFit})
     */
    public static StageCostFit fit(double[] packetsPerSecond, double[] bytesPerSecond, double[] cpuNsPerSecond) {
        LinearFit.Result full = LinearFit.fit(cpuNsPerSecond, BOTH, packetsPerSecond, bytesPerSecond);
        if (full.slope(1) >= 0) {
            return new StageCostFit(full.slope(0), full.slope(1), full.intercept(), full.r2(), full.maxAbsResidual(),
                    full.rmsResidual(), false, cpuNsPerSecond.length);
        }
        return packetsOnly(packetsPerSecond, cpuNsPerSecond, true);
    }

    /**
     * Fits one stage on packets per second alone (per-byte cost 0): for points whose packets are all of one size, where
     * bytes per second carries nothing of its own. The per-packet cost is then that of a packet of that size.
     */
    public static StageCostFit fitPackets(double[] packetsPerSecond, double[] cpuNsPerSecond) {
        return packetsOnly(packetsPerSecond, cpuNsPerSecond, false);
    }

    private static StageCostFit packetsOnly(double[] packetsPerSecond, double[] cpuNsPerSecond, boolean clamped) {
        LinearFit.Result r = LinearFit.fit(cpuNsPerSecond, PACKETS, packetsPerSecond);
        return new StageCostFit(r.slope(0), 0, r.intercept(), r.r2(), r.maxAbsResidual(), r.rmsResidual(), clamped, cpuNsPerSecond.length);
    }

    /** Whether the fit gives a cost the planner can use: finite, per-packet cost positive. */
    public boolean usable() { return Double.isFinite(perPacketNs) && perPacketNs > 0 && Double.isFinite(perByteNs); }

    /**
     * The stage cost, when {@link #usable()}: its per-packet and per-byte costs, and the intercept as its background
     * load (what the stage's threads use besides the packets, which every reservation sized from this cost must also
     * carry: BackgroundLoad); a negative intercept (noise) counts as none.
     */
    public Optional<StageCost> stageCost() {
        return usable() ? Optional.of(new StageCost(perPacketNs, perByteNs, Math.clamp(idleNsPerSecond, 0, StageCost.MAX_BACKGROUND_NS_PER_SECOND))) : Optional.empty();
    }

    /** CPU ns per second this fit predicts at the given load. */
    public double predictNsPerSecond(double packetsPerSecond, double bytesPerSecond) {
        return idleNsPerSecond + perPacketNs * packetsPerSecond + perByteNs * bytesPerSecond;
    }
}
