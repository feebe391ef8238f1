package io.vmqos.analysis;

import io.vmqos.core.Reservation;

/**
 * The CPU supply of a reservation that gives {@code budget} ns within {@code deadline} of the start of every
 * {@code period} on one CPU (a SCHED_DEADLINE reservation whose EDF schedulability is ensured by admission).
 * Immutable, pure; all times in nanoseconds, supply in CPU nanoseconds.
 *
 * <p><b>Supply bound.</b> For {@code D = P} this is Shin &amp; Lee's periodic resource model Γ(Π, Θ) (RTSS 2003):
 * in the worst case the budget is served at the start of one period and at the end of the next, leaving a
 * starvation of {@code 2(P − Q)}, then {@code Q} every {@code P}. For a constrained deadline {@code D < P} the
 * budget of one period is served within {@code [kP, kP + D]}, so the worst starvation is {@code P + D − 2Q}, then
 * {@code Q} of every {@code P}:
 * <pre>  sbf(t) = 0 for t <= G = P + D − 2Q;   else with y = t − G, k = ⌊y / P⌋:  sbf(t) = kQ + min(Q, y − kP)</pre>
 * For {@code D = P} this equals Shin &amp; Lee's closed form. Its linear lower bound is the rate-latency curve
 * {@code β_{Q/P, P + D − 2Q}}.
 *
 * <p>Per-activation overhead (wake-up, context switch, cache refill) is not supply: callers pass the useful
 * budget {@code Q − overhead} ({@link #of(Reservation, long)}).
 *
 * @param budgetNs useful CPU ns per period, {@code 0 < budget <= deadline}
 * @param deadlineNs relative deadline D, {@code <= period}
 * @param periodNs period P
 */
public record PeriodicResource(long budgetNs, long deadlineNs, long periodNs) {
    public PeriodicResource {
        if (budgetNs <= 0 || budgetNs > deadlineNs || deadlineNs > periodNs) {
            throw new IllegalArgumentException("periodic resource needs 0 < budget <= deadline <= period, got " + budgetNs + "/" + deadlineNs + "/" + periodNs);
        }
    }

    /**
     * The useful supply of {@code r} when each activation spends {@code overheadNs} of the runtime on overhead.
     *
     * @throws IllegalArgumentException when the overhead eats the whole runtime
     */
    public static PeriodicResource of(Reservation r, long overheadNs) {
        return new PeriodicResource(r.runtimeNs() - overheadNs, r.deadlineNs(), r.periodNs());
    }

    /** Longest interval with no supply: {@code P + D − 2Q} ({@code 2(P − Q)} when D = P). */
    public long starvationNs() { return periodNs + deadlineNs - 2 * budgetNs; }

    /** Long-run share of the CPU, {@code Q/P}. */
    public double rate() { return (double) budgetNs / periodNs; }

    /** The rate-latency lower bound {@code β_{Q/P, P + D − 2Q}} of {@link #sbf}, in CPU ns per ns. */
    public RateLatencyCurve linearBound() { return new RateLatencyCurve(rate(), starvationNs()); }

    /** Exact supply bound function: the least CPU ns supplied in any interval of {@code t} ns. */
    public double sbf(double t) {
        double y = t - starvationNs();
        if (y <= 0) return 0;
        double k = Math.floor(y / periodNs);
        return k * budgetNs + Math.min(budgetNs, y - k * periodNs);
    }

    /** Pseudo-inverse of {@link #sbf}: the least interval length that surely supplies {@code work} CPU ns. */
    public double timeToSupply(double work) {
        if (work <= 0) return 0;
        double k = Math.ceil(work / budgetNs) - 1;   // full budgets before the one that completes the work
        return starvationNs() + k * periodNs + (work - k * budgetNs);
    }

    /**
     * Horizontal deviation between a work arrival curve {@code α(t) = σ + ρ·t} (CPU ns; a packet costing c
     * arriving as {@code (r, b)} packets is {@code (r·c, b·c)}) and the exact {@link #sbf}: the worst delay of any
     * work unit, {@link Double#POSITIVE_INFINITY} when {@code ρ > Q/P}.
     *
     * <p>The delay {@code sbf⁻¹(α(s)) − s} falls with slope {@code ρ − 1} while a budget is being served and jumps
     * up by {@code P − Q} just after α crosses a multiple {@code jQ} of the budget; the peaks after the crossings
     * are {@code G + jP − (jQ − σ)/ρ}, which do not grow with j as {@code ρ <= Q/P}. So the supremum is at
     * {@code s = 0} or just after the first crossing at or above σ ({@code j = ⌈σ/Q⌉}).
     * Never above {@code linearBound().delayBound(work)}.
     */
    public double delayBound(TokenBucket work) {
        double rho = work.rate(), sigma = work.burst();
        if (rho > rate()) return Double.POSITIVE_INFINITY;   // same test as the linear bound's r > R
        double atZero = timeToSupply(sigma);
        if (rho == 0) return atZero;
        double j = Math.ceil(sigma / budgetNs);
        double s = (j * budgetNs - sigma) / rho;
        double afterCrossing = starvationNs() + j * periodNs - s;
        return Math.max(atZero, afterCrossing);
    }
}
