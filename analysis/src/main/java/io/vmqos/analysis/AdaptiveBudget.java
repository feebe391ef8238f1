package io.vmqos.analysis;

import io.vmqos.core.InvalidInputException;

import java.util.Arrays;

/**
 * The adaptive budget of one reserved thread (feedback scheduling, after Abeni and Palopoli's adaptive reservations and
 * AQuoSA): from what the thread used per period over a window, the runtime it holds next. Pure; a value: {@link #next}
 * returns a new one.
 *
 * <p><b>The rule.</b> A window is a series of samples, each the thread's CPU time over a sample divided by the periods
 * in it (its use per period, averaged over the sample). For a thread that does not reclaim, the target is the
 * {@link #PERCENTILE} of the window's samples plus a {@link #MARGIN}: its budget must cover its bursts. For a thread
 * that reclaims (SCHED_FLAG_RECLAIM) it is {@link #RECLAIM_SHARE} of the window's mean: its bursts run on what other
 * reservations leave, so its reservation need only be what it uses (a lean reservation). The share below 1 pays for the
 * hysteresis: the runtime rises at once but falls only after {@link #LOWER_AFTER} low windows, so at the mean itself
 * its time average would sit above the use (measured 1.001× in the demo); at 0.95 of it the time average stays at or
 * below 1.0× the use. When the thread is held at its budget ({@link #SATURATED}: its use is at its runtime, so its
 * demand is not seen: it does not reclaim) the target is at least {@link #GROWTH} × the runtime. The runtime then
 * <ul>
 *   <li>rises to the target at once when the target exceeds it by more than {@link #RAISE_BAND}, or reaches the
 *       ceiling;</li>
 *   <li>falls only after {@link #LOWER_AFTER} windows in a row whose targets are all more than {@link #LOWER_BAND}
 *       below it, and then to the largest of those targets (hysteresis: a load that dips for a window keeps its
 *       budget);</li>
 *   <li>never leaves {@code [floor, ceiling]}: the floor is the reservation that keeps the VM's stated latency bound
 *       (what admission counts), the ceiling the most one thread may take.</li>
 * </ul>
 * Convergence: a step up is followed within one window when the thread reclaims (its use shows its demand), within
 * {@code ceil(log(demand / runtime) / log(GROWTH))} windows when it is held at its budget; a step down within
 * {@link #LOWER_AFTER} windows. Under a constant load whose samples vary by at most ±4% the runtime, once set, does not
 * move ({@code AdaptiveBudgetTest}'s properties).
 *
 * @param floorNs the smallest runtime: the sized (or explicit) reservation's
 * @param ceilingNs the largest runtime, not below the floor
 * @param runtimeNs the runtime held now, in {@code [floorNs, ceilingNs]}
 * @param lowWindows how many windows in a row wanted less
 * @param lowTargetNs the largest target of those windows (0 when none)
 */
public record AdaptiveBudget(long floorNs, long ceilingNs, long runtimeNs, int lowWindows, long lowTargetNs) {
    /** The share of a window's samples the runtime covers. */
    public static final double PERCENTILE = 0.95;
    /** Added to that percentile: the runtime is this much above what the thread used. */
    public static final double MARGIN = 0.25;
    /** A target this much above the runtime raises it. */
    public static final double RAISE_BAND = 0.10;
    /** A target this much below the runtime counts towards lowering it. */
    public static final double LOWER_BAND = 0.25;
    /** Windows in a row below the runtime before it falls. */
    public static final int LOWER_AFTER = 3;
    /** A sample at this share of the runtime or above: the thread is held at its budget. */
    public static final double SATURATED = 0.95;
    /** A thread held at its budget gets at least this many times it. */
    public static final double GROWTH = 1.5;
    /** A reclaiming thread's target: this share of its mean use over the window. */
    public static final double RECLAIM_SHARE = 0.95;

    public AdaptiveBudget {
        if (floorNs <= 0) throw new InvalidInputException("adaptive budget floor", "must be positive, got " + floorNs + " ns", "size the stage first");
        if (ceilingNs < floorNs) throw new InvalidInputException("adaptive budget ceiling", ceilingNs + " ns is below the floor " + floorNs + " ns", "give a ceiling at or above the floor");
        if (runtimeNs < floorNs || runtimeNs > ceilingNs) throw new InvalidInputException("adaptive budget runtime", runtimeNs + " ns is outside [" + floorNs + ", " + ceilingNs + "] ns", "start from the floor");
        if (lowWindows < 0) throw new InvalidInputException("adaptive budget lowWindows", "is negative", "give 0 or more");
    }

    /** A budget at its floor; a ceiling below the floor is the floor. */
    public static AdaptiveBudget start(long floorNs, long ceilingNs) {
        return new AdaptiveBudget(floorNs, Math.max(floorNs, ceilingNs), floorNs, 0, 0);
    }

    /** The same budget with new bounds (the VM was sized again): the runtime kept within them, the history kept. */
    public AdaptiveBudget within(long floor, long ceiling) {
        long c = Math.max(floor, ceiling);
        return new AdaptiveBudget(floor, c, Math.clamp(runtimeNs, floor, c), lowWindows, lowTargetNs);
    }

    /** The target of one window (before hysteresis), within the bounds, for a thread that does not reclaim. */
    public long target(long[] usePerPeriodNs) { return target(usePerPeriodNs, false); }

    /** The target of one window (before hysteresis), within the bounds. */
    public long target(long[] usePerPeriodNs, boolean reclaims) {
        if (usePerPeriodNs.length == 0) return runtimeNs;
        long[] s = usePerPeriodNs.clone();
        Arrays.sort(s);
        double t;
        if (reclaims) {
            t = RECLAIM_SHARE * Arrays.stream(s).average().orElse(0);
        } else {
            long p = s[Math.min(s.length - 1, (int) Math.ceil(PERCENTILE * s.length) - 1)];
            t = p * (1 + MARGIN);
            if (p >= SATURATED * runtimeNs) t = Math.max(t, GROWTH * runtimeNs);
        }
        return Math.clamp((long) Math.ceil(t), floorNs, ceilingNs);
    }

    /**
     * The budget after one window of samples (each the thread's use per period over one sample, ns); an empty
     * window changes nothing.
     */
    public AdaptiveBudget next(long[] usePerPeriodNs) { return next(usePerPeriodNs, false); }

    /** {@link #next(long[])} for a thread that reclaims ({@code reclaims}: its target is {@link #RECLAIM_SHARE} of its mean use) or not. */
    public AdaptiveBudget next(long[] usePerPeriodNs, boolean reclaims) {
        if (usePerPeriodNs.length == 0) return this;
        long t = target(usePerPeriodNs, reclaims);
        if (t > runtimeNs * (1 + RAISE_BAND) || (t == ceilingNs && runtimeNs < ceilingNs)) {
            return new AdaptiveBudget(floorNs, ceilingNs, t, 0, 0);
        }
        if (t < runtimeNs * (1 - LOWER_BAND) && runtimeNs > floorNs) {
            int low = lowWindows + 1;
            long lowTarget = Math.max(lowTargetNs, t);
            if (low >= LOWER_AFTER) return new AdaptiveBudget(floorNs, ceilingNs, lowTarget, 0, 0);
            return new AdaptiveBudget(floorNs, ceilingNs, runtimeNs, low, lowTarget);
        }
        return lowWindows == 0 ? this : new AdaptiveBudget(floorNs, ceilingNs, runtimeNs, 0, 0);
    }
}
