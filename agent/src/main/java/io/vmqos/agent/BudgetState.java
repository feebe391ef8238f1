package io.vmqos.agent;

import io.vmqos.core.SchedAttributes;

import java.util.Locale;

/**
 * How often one stage of one VM ran out of its SCHED_DEADLINE budget over the SLA watch's last window (see
 * {@link BudgetWatch}): the worst thread of that stage. Pure value.
 *
 * @param stage the stage as the thread metrics name it ({@code vcpu0}, {@code main-loop})
 * @param tid the worst thread of the stage
 * @param attrs that thread's reservation
 * @param periods the thread's periods in the window (window / period)
 * @param exhausted the periods whose budget ran out, estimated (see {@link BudgetWatch})
 * @param used the CPU time the thread ran over the window divided by its reserved time (periods × runtime)
 * @param exhaustedTotal the periods whose budget ran out, estimated, over every window judged since the thread got this
 *     reservation (a counter for metrics)
 */
public record BudgetState(String vm, String stage, int tid, SchedAttributes attrs, long windowNs, long periods, long exhausted, double used,
                          long exhaustedTotal) {
    /** A window without a running total (the total is this window's). */
    public BudgetState(String vm, String stage, int tid, SchedAttributes attrs, long windowNs, long periods, long exhausted, double used) {
        this(vm, stage, tid, attrs, windowNs, periods, exhausted, used, exhausted);
    }

    /** Above this share of its periods a stage's budget runs out too often: its reservation is too small. */
    public static final double THRESHOLD = 0.01;

    /** The share of the window's periods whose budget ran out. */
    public double ratio() { return periods <= 0 ? 0 : Math.min(1.0, exhausted / (double) periods); }

    public boolean exceeds() { return ratio() > THRESHOLD; }

    /** For the log and {@code vmqos vm show}: {@code vm web: vcpu0 budget ran out in 12.3% of its periods over the last 10 s (2ms/10ms)}. */
    public String describe() {
        return String.format(Locale.ROOT, "vm %s: %s budget ran out in %.1f%% of its periods over the last %.0f s (%s)", vm, stage, ratio() * 100,
                windowNs / 1e9, attrs.reservation());
    }
}
