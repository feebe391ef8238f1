package io.vmqos.linux;

import io.vmqos.core.KernelLimits;
import io.vmqos.core.Reservation;
import io.vmqos.core.SchedAttributes;

import java.util.Optional;

/**
 * Takes a thread out of SCHED_DEADLINE so that the kernel's admission counter ({@code dl_bw->total_bw}) drops by its
 * bandwidth at once, instead of later or never.
 *
 * <p><b>What the kernel does</b> (measured on 6.18, {@code DeadlineExitBenchmark}; kernel/sched/deadline.c): when a
 * DEADLINE thread changes to another policy, {@code sched_dl_overflow()} leaves its bandwidth in {@code total_bw} for
 * {@code switched_from_dl()} to release at the thread's 0-lag time ({@code deadline - runtime * period / dl_runtime}):
 * <ul>
 *   <li>a thread that runs, waits to run or blocked less than its 0-lag time ago (its inactive timer is armed): the
 *       bandwidth leaves {@code total_bw} at the 0-lag time: at once when it has passed, else up to about a period
 *       later (the counter is <em>too high</em> meanwhile, and a root-domain rebuild in that window counts the
 *       thread out twice: the counter ends <em>too low</em>, even below zero);</li>
 *   <li>a thread blocked since longer (no inactive timer armed: the usual case for a sleeping VM thread): never; the
 *       bandwidth stays in {@code total_bw} until the root domains are rebuilt (the leak).</li>
 * </ul>
 * A change of a DEADLINE thread's parameters (DEADLINE to DEADLINE) moves {@code total_bw} by the difference at once,
 * whatever the thread does, and cancels an armed inactive timer. So the way out is two calls: first to a reservation
 * of no bandwidth ({@link #drain}: 1024 ns every longest allowed period, which {@code to_ratio()} rounds to 0), then to
 * the target policy: the first frees the bandwidth at once, the second has none left to leak or defer. Between the
 * two (microseconds) a thread that runs could be held back by its 1024 ns budget.
 *
 * <p>Stateless; any thread.
 */
public final class DeadlineExit {
    /** A tick (at HZ=250) that a thread may overrun its runtime by before it is throttled: it defers the 0-lag time. */
    private static final long OVERRUN_NS = 4_000_000L;

    private DeadlineExit() {}

    /** The reservation of no bandwidth: 1024 ns every longest allowed period; empty when that still rounds above 0. */
    public static Optional<SchedAttributes> drain(KernelLimits limits) {
        Reservation r = new Reservation(Reservation.MIN_RUNTIME_NS, limits.periodMaxNs(), limits.periodMaxNs());
        return r.bandwidth().isZero() ? Optional.of(SchedAttributes.deadline(r)) : Optional.empty();
    }

    /**
     * Sets {@code target} on a thread whose attributes are now {@code current}; a DEADLINE thread leaving DEADLINE
     * goes through {@link #drain} first.
     *
     * @return 0 when the kernel's counter has moved by {@code target - current} already; otherwise the time by which
     *     it will have, unless the kernel leaked (the drain was refused, e.g. a counter above capacity after a CPU went
     *     offline, and the thread was switched directly)
     * @throws SchedException from setting {@code target}; a thread left drained is put back to {@code current} first
     */
    public static long set(ThreadScheduler scheduler, int tid, SchedAttributes current, SchedAttributes target, KernelLimits limits) {
        if (!current.isDeadline() || target.isDeadline()) {
            scheduler.set(tid, target); // entering DEADLINE or changing its parameters: counted at once
            return 0;
        }
        Optional<SchedAttributes> drain = drain(limits);
        if (drain.isPresent()) {
            try {
                scheduler.set(tid, drain.get());
            } catch (SchedException.ThreadGone gone) {
                throw gone;
            } catch (SchedException refused) {
                scheduler.set(tid, target);
                return zeroLagBound(current);
            }
            try {
                scheduler.set(tid, target);
            } catch (RuntimeException e) {
                putBack(scheduler, tid, current, e);
                throw e;
            }
            return 0;
        }
        scheduler.set(tid, target);
        return zeroLagBound(current);
    }

    /**
     * How long after a direct switch the kernel may still hold a thread's bandwidth: its absolute deadline is at most a
     * period and a deadline away, and an overrun of its runtime pushes the 0-lag time on by {@code period / runtime}
     * times the overrun.
     */
    static long zeroLagBound(SchedAttributes a) {
        long overrunShift = a.runtimeNs() <= 0 ? 0 : Math.min(Long.MAX_VALUE / 4, OVERRUN_NS * (a.periodNs() / a.runtimeNs()));
        return a.periodNs() + a.deadlineNs() + overrunShift;
    }

    /** A thread left in the drain reservation would barely run: back to {@code current}, else to SCHED_OTHER. */
    private static void putBack(ThreadScheduler scheduler, int tid, SchedAttributes current, RuntimeException cause) {
        try {
            scheduler.set(tid, current);
        } catch (RuntimeException e) {
            cause.addSuppressed(e);
            try {
                scheduler.set(tid, SchedAttributes.other());
            } catch (RuntimeException e2) {
                cause.addSuppressed(e2);
            }
        }
    }
}
