package io.vmqos.host;

import io.vmqos.core.KernelLimits;
import io.vmqos.core.SchedAttributes;
import io.vmqos.linux.DeadlineExit;
import io.vmqos.linux.ThreadScheduler;

import java.time.Duration;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * One transaction's account of the kernel's deadline counter: it sets threads' attributes (a DEADLINE thread leaving
 * DEADLINE through {@link DeadlineExit}, so that nothing leaks), remembers how much bandwidth each set moved since the
 * {@link #markNow mark} and how long the kernel may take to free it, and {@link #verify verifies} the counters against
 * that after ONE cheap read instead of walking every thread. Used by {@link Reserver}; one transaction, one thread.
 */
final class LedgerCheck {
    private final LedgerAccess ledger;
    private final ThreadScheduler scheduler;
    private final KernelLimits limits;
    private final List<Integer> tids;
    private final Map<Integer, Long> moved = new HashMap<>();
    private LedgerMark mark;
    private long pendingNs;

    LedgerCheck(LedgerAccess ledger, ThreadScheduler scheduler, KernelLimits limits, Collection<Integer> tids) {
        this.ledger = ledger;
        this.scheduler = scheduler;
        this.limits = limits;
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
        long pending = DeadlineExit.set(scheduler, tid, current, target, limits);
        moved.merge(tid, target.bandwidth().minus(current.bandwidth()).kernelUnits(), Long::sum);
        pendingNs = Math.max(pendingNs, pending);
    }

    /** The counters moved by exactly what was set since the mark, or the ledger is checked (and repaired) in full. */
    LedgerRepair verify() { return ledger.verify(mark, moved, Duration.ofNanos(pendingNs)); }
}
