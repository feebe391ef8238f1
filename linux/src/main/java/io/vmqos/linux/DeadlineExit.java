package io.vmqos.linux;

import io.vmqos.core.SchedAttributes;

/**
 * Takes a thread out of SCHED_DEADLINE, and says how long the kernel may still hold its bandwidth and how long the
 * thread must stay out before it may be reserved again.
 *
 * <p><b>What the kernel does</b> (measured on 6.18, {@code DeadlineExitBenchmark}, {@code DeadlineExitKernelTest};
 * kernel/sched/deadline.c): when a DEADLINE thread changes to another policy, {@code sched_dl_overflow()} leaves its
 * bandwidth in {@code total_bw} for {@code switched_from_dl()} to release at the thread's 0-lag time
 * ({@code deadline - runtime * period / dl_runtime}):
 * <ul>
 *   <li>a thread that runs, waits to run or blocked less than its 0-lag time ago (its inactive timer is armed): the
 *       bandwidth leaves {@code total_bw} at the 0-lag time, at most {@link #zeroLagBound} later (the counter is
 *       <em>too high</em> meanwhile, and a root-domain rebuild in that window counts the thread out twice: the counter
 *       ends <em>too low</em>);</li>
 *   <li>a thread blocked since longer (no inactive timer armed: the usual case for a sleeping VM thread): never; the
 *       bandwidth stays in {@code total_bw} until the root domains are rebuilt (the leak, which the caller repairs once
 *       the bound has passed and no timer can count a thread out twice).</li>
 * </ul>
 *
 * <p><b>A thread put back too soon freezes.</b> A thread that re-enters DEADLINE while its inactive timer is armed
 * keeps its old deadline and its spent (negative) runtime, and 6.18 never runs it again: runnable, frozen until switched
 * out of DEADLINE (measured: a spinner at 1 ms/10 ms switched DEADLINE → OTHER → DEADLINE at once froze in 17 of 40
 * cycles; with 50 ms between, in 0 of 40). So every exit comes with a cool-down ({@link Exit#cooldownNs}) that
 * {@link DeadlineCooldowns} enforces.
 *
 * <p>Why not a way out that frees the bandwidth at once: a change of parameters (DEADLINE to DEADLINE) moves
 * {@code total_bw} at once, so an earlier version first switched to a reservation of no bandwidth (1024 ns every
 * 4.19 s) and then out. A thread that runs during those microseconds overruns its 1024 ns, which pushes its 0-lag time
 * hours away (the overrun times {@code period / runtime}): it could not be reserved again for hours. A thread that
 * wakes every 2 ms (a VM's) hit that window in 1 exit of 3. The direct switch's cost is bounded: a release waits at
 * most {@link #zeroLagBound} for the counter before it repairs a leak.
 *
 * <p>Stateless; any thread.
 */
public final class DeadlineExit {
    /** A tick (at HZ=250) that a thread may overrun its runtime by before it is throttled: it defers the 0-lag time. */
    private static final long OVERRUN_NS = 4_000_000L;

    private DeadlineExit() {}

    /**
     * What taking a thread out of DEADLINE left behind.
     *
     * @param pendingNs 0 when the kernel's counter has moved by the change already, else the time by which it will have
     *     (or never will: the leak)
     * @param cooldownNs how long the thread must stay out of DEADLINE: re-entering before its 0-lag time freezes it
     */
    public record Exit(long pendingNs, long cooldownNs) {
        public static final Exit NONE = new Exit(0, 0);
    }

    /**
     * Sets {@code target} on a thread whose attributes are now {@code current}: one call.
     *
     * @throws SchedException from the call; nothing changed then
     */
    public static Exit set(ThreadScheduler scheduler, int tid, SchedAttributes current, SchedAttributes target) {
        scheduler.set(tid, target);
        if (!current.isDeadline() || target.isDeadline()) return Exit.NONE; // entering DEADLINE or changing it: counted at once
        long bound = zeroLagBound(current);
        return new Exit(bound, bound);
    }

    /**
     * How long after leaving DEADLINE the kernel may still hold a thread's bandwidth (and arm its inactive timer): its
     * absolute deadline is at most a period and a deadline away, and an overrun of its runtime pushes the 0-lag time
     * on by {@code period / runtime} times the overrun.
     */
    public static long zeroLagBound(SchedAttributes a) {
        long overrunShift = a.runtimeNs() <= 0 ? 0 : Math.min(Long.MAX_VALUE / 4, OVERRUN_NS * (a.periodNs() / a.runtimeNs()));
        return a.periodNs() + a.deadlineNs() + overrunShift;
    }
}
