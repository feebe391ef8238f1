package io.vmqos.host;

import io.vmqos.core.SchedAttributes;
import io.vmqos.linux.DeadlineCooldowns;
import io.vmqos.linux.DeadlineExit;
import io.vmqos.linux.ThreadScheduler;

import java.time.Duration;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * One transaction's account of the kernel's deadline counter: it sets threads' attributes ({@link DeadlineExit}; a
 * thread leaving DEADLINE stays out for its cool-down, {@link DeadlineCooldowns}), remembers how much bandwidth each
 * set moved since the {@link #markNow mark} and how long the kernel may take to free it, and {@link #verify verifies} the counters against
 * that after ONE cheap read instead of walking every thread. Used by {@link Reserver}; one transaction, one thread.
 */
final class LedgerCheck {
    private final LedgerAccess ledger;
    private final ThreadScheduler scheduler;
    private final List<Integer> tids;
    private final Map<Integer, Long> moved = new HashMap<>();
    private LedgerMark mark;
    private long pendingNs;

    LedgerCheck(LedgerAccess ledger, ThreadScheduler scheduler, Collection<Integer> tids) {
        this.ledger = ledger;
        this.scheduler = scheduler;
        this.tids = List.copyOf(tids);
    }

    /** Reads the counters now; what was set before no longer counts as moved. */
    void markNow() {
        mark = ledger.mark(tids);
        moved.clear();
        pendingNs = 0;
    }

    boolean marked() { return mark != null; }

    /** Sets {@code target} on a thread whose attributes are {@code current} and records the bandwidth it moved. */
    void set(int tid, SchedAttributes current, SchedAttributes target) {
        if (!current.isDeadline() && target.isDeadline()) DeadlineCooldowns.awaitReentry(tid); // re-entering too soon freezes it
        DeadlineExit.Exit exit = DeadlineExit.set(scheduler, tid, current, target);
        if (current.isDeadline() && !target.isDeadline()) DeadlineCooldowns.left(tid, exit.cooldownNs());
        moved.merge(tid, target.bandwidth().minus(current.bandwidth()).kernelUnits(), Long::sum);
        pendingNs = Math.max(pendingNs, exit.pendingNs());
    }

    /** The counters moved by exactly what was set since the mark, or the ledger is checked (and repaired) in full. */
    LedgerRepair verify() {
        LedgerRepair r = ledger.verify(mark, moved, Duration.ofNanos(pendingNs));
        // the counter moved by every exit (no inactive timer left armed), or the bound passed: re-entry is safe now
        if (!Thread.currentThread().isInterrupted()) for (int tid : moved.keySet()) DeadlineCooldowns.settled(tid);
        return r;
    }
}
