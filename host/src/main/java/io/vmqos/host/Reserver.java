package io.vmqos.host;

import io.vmqos.core.CpuBandwidth;
import io.vmqos.core.InvalidInputException;
import io.vmqos.core.KernelLimits;
import io.vmqos.core.SchedAttributes;
import io.vmqos.core.ThreadChange;
import io.vmqos.linux.SchedException;
import io.vmqos.linux.ThreadScheduler;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Applies a set of thread → attributes changes all-or-nothing.
 *
 * <ol>
 *   <li>Validates every change (kernel parameter rules, priorities, duplicates) — before any syscall.</li>
 *   <li>Reads every thread's current attributes; a missing thread refuses the whole set.</li>
 *   <li>Drops changes that would change nothing, so applying the same set twice is a no-op.</li>
 *   <li>Admission, for a plan that gives some thread DEADLINE: per root domain, what live threads and servers hold
 *       plus the plan's net growth must fit in the capacity less the host reserve. A leaked ledger is repaired
 *       first. A plan that only takes threads out of DEADLINE needs no admission (nor the walk of every thread).</li>
 *   <li>Applies shrinking changes first (they free room), then growing ones, reading each back. A DEADLINE thread
 *       leaves DEADLINE through a reservation of no bandwidth ({@link io.vmqos.linux.DeadlineExit}), so that the
 *       kernel frees its bandwidth at once instead of leaking it.</li>
 *   <li>On any failure, puts every changed thread back to exactly its previous attributes, in reverse order.</li>
 *   <li>After changing a DEADLINE thread, or rolling back, verifies that the kernel's counters moved by exactly the
 *       bandwidth changed (one read of the counters); only when they did not, checks and repairs the whole ledger.</li>
 * </ol>
 *
 * <p>One transaction at a time per instance; call from one thread. Not re-entrant. Admission is only as good as the
 * ledger read: two processes applying at once both admit against the same free room, so callers that change the host
 * hold the {@link HostLock} around {@link #apply} (the command line does).
 */
public final class Reserver {
    /** Default share of each root domain's capacity kept free for the host itself. */
    public static final double DEFAULT_HOST_RESERVE = 0.10;

    private final ThreadScheduler scheduler;
    private final LedgerAccess ledger;
    private final KernelLimits limits;
    private final double hostReserve;

    /**
     * @param hostReserve fraction 0..1 of each root domain's capacity never given to reservations
     */
    public Reserver(ThreadScheduler scheduler, LedgerAccess ledger, KernelLimits limits, double hostReserve) {
        if (!(hostReserve >= 0 && hostReserve < 1)) {
            throw new InvalidInputException("host reserve", hostReserve + " is not a fraction in [0, 1)", "give e.g. 10%");
        }
        this.scheduler = scheduler;
        this.ledger = ledger;
        this.limits = limits;
        this.hostReserve = hostReserve;
    }

    /**
     * Applies {@code changes} all-or-nothing.
     *
     * @throws InvalidInputException bad input; nothing changed
     * @throws PlanRefusedException admission refused; nothing changed
     * @throws TransactionFailedException the kernel refused midway; every changed thread was put back
     */
    public ApplyReport apply(List<ThreadChange> changes) {
        validate(changes);
        List<Integer> tids = new ArrayList<>();
        for (ThreadChange c : changes) tids.add(c.tid());
        // only a plan that gives some thread DEADLINE can grow; only growth needs the budgets (a walk of every thread)
        boolean reserves = changes.stream().anyMatch(c -> c.target().isDeadline());
        Map<Integer, DomainBudget> budgets = reserves ? ledger.budgetsFor(tids) : Map.of();
        refuseOverCapacity(changes, budgets);
        Map<Integer, SchedAttributes> before = snapshot(changes);

        List<ThreadChange> effective = new ArrayList<>();
        for (ThreadChange c : changes) {
            if (!before.get(c.tid()).sameSchedulingAs(c.target())) effective.add(c);
        }
        List<ThreadOutcome> outcomes = new ArrayList<>();
        if (effective.isEmpty()) {
            for (ThreadChange c : changes) outcomes.add(new ThreadOutcome(c.tid(), c.label(), before.get(c.tid()), before.get(c.tid()), false));
            return new ApplyReport(outcomes, LedgerRepair.NOTHING);
        }

        LedgerRepair preRepair = reserves ? admit(effective, before, budgets) : LedgerRepair.NOTHING;
        // A DEADLINE thread that changes moves the counters by what vmqos can verify with one read against a mark.
        // Reserving threads that were not DEADLINE moves them by what admission just checked: no mark, no check.
        LedgerCheck counters = new LedgerCheck(ledger, scheduler, tids);
        if (effective.stream().anyMatch(c -> before.get(c.tid()).isDeadline())) counters.markNow();

        // Shrinking changes first so that growing ones find the room they free.
        List<ThreadChange> order = new ArrayList<>(effective);
        order.sort(Comparator.comparing(c -> c.target().bandwidth().minus(before.get(c.tid()).bandwidth())));

        List<ThreadChange> applied = new ArrayList<>();
        for (ThreadChange c : order) {
            try {
                counters.set(c.tid(), before.get(c.tid()), c.target());
                applied.add(c);
                SchedAttributes now = scheduler.get(c.tid());
                if (!now.sameSchedulingAs(c.target())) {
                    throw new IllegalStateException("thread " + c.tid() + " reads back as " + now.describe()
                            + " after setting " + c.target().describe());
                }
            } catch (RuntimeException e) {
                throw rollBack(c, e, applied, before, counters);
            }
        }

        LedgerRepair postRepair = counters.marked() ? counters.verify() : LedgerRepair.NOTHING;
        Set<Integer> changedTids = new HashSet<>();
        for (ThreadChange c : effective) changedTids.add(c.tid());
        for (ThreadChange c : changes) {
            boolean changed = changedTids.contains(c.tid());
            outcomes.add(new ThreadOutcome(c.tid(), c.label(), before.get(c.tid()), changed ? c.target() : before.get(c.tid()), changed));
        }
        return new ApplyReport(outcomes, postRepair.repaired() ? postRepair : preRepair);
    }

    /**
     * For release paths: applies {@code changes} like {@link #apply}, or, when there is nothing to change (released
     * already), only repairs the ledger if the kernel leaked. Idempotent.
     */
    public ApplyReport release(List<ThreadChange> changes) {
        return changes.isEmpty() ? new ApplyReport(List.of(), ledger.repairIfLeaked()) : apply(changes);
    }

    /**
     * Like {@link #apply}, skipping threads that exited meanwhile (an exited thread holds nothing): for reconcile steps
     * and their undo, whose threads may exit between the observation and the change. Nothing left: nothing happens.
     */
    public ApplyReport restore(List<ThreadChange> changes) {
        List<ThreadChange> alive = new ArrayList<>();
        for (ThreadChange c : changes) {
            try {
                scheduler.get(c.tid());
                alive.add(c);
            } catch (SchedException.ThreadGone gone) {
                // exited: nothing to put back
            }
        }
        return alive.isEmpty() ? new ApplyReport(List.of(), LedgerRepair.NOTHING) : apply(alive);
    }

    private void validate(List<ThreadChange> changes) {
        if (changes == null || changes.isEmpty()) {
            throw new InvalidInputException("threads", "no thread to change", "give at least one thread id (--tid) or a process (--pid)");
        }
        Set<Integer> seen = new HashSet<>();
        for (ThreadChange c : changes) {
            String field = "thread " + c.tid() + (c.label().isEmpty() ? "" : " (" + c.label() + ")");
            if (!seen.add(c.tid())) {
                throw new InvalidInputException(field, "appears twice in the plan", "give each thread once");
            }
            SchedAttributes t = c.target();
            switch (t.policy()) {
                case DEADLINE -> t.reservation().validate(field, limits);
                case FIFO, RR -> {
                    if (t.priority() < 1 || t.priority() > 99) {
                        throw new InvalidInputException(field + " priority", t.priority() + " is outside 1..99", "give a real-time priority between 1 and 99");
                    }
                }
                default -> {
                    if (t.nice() < -20 || t.nice() > 19) {
                        throw new InvalidInputException(field + " nice", t.nice() + " is outside -20..19", "give a nice value between -20 and 19");
                    }
                }
            }
        }
    }

    /** A plan larger than a whole root domain (less the reserve) is refused without asking any thread. */
    private void refuseOverCapacity(List<ThreadChange> changes, Map<Integer, DomainBudget> byTid) {
        Map<String, CpuBandwidth> total = new LinkedHashMap<>();
        Map<String, DomainBudget> budgets = new LinkedHashMap<>();
        for (ThreadChange c : changes) {
            if (!c.target().isDeadline()) continue;
            DomainBudget b = byTid.get(c.tid());
            budgets.putIfAbsent(b.cpus(), b);
            total.merge(b.cpus(), c.target().bandwidth(), CpuBandwidth::plus);
        }
        for (Map.Entry<String, CpuBandwidth> e : total.entrySet()) {
            DomainBudget b = budgets.get(e.getKey());
            CpuBandwidth limit = limitOf(b);
            if (e.getValue().exceeds(limit)) {
                throw new PlanRefusedException("the plan asks " + e.getValue().percent() + " of a CPU on root domain CPUs "
                        + b.cpus() + ", more than its whole capacity " + b.capacity().percent() + " less the host reserve of "
                        + Math.round(hostReserve * 100) + "% (" + limit.percent() + "). Fix: lower runtime/period or reserve fewer threads.",
                        b, e.getValue());
            }
        }
    }

    /** The domain's capacity less the host reserve (rounded up, as {@link io.vmqos.core.HostCapacity#reserveOf}). */
    private CpuBandwidth limitOf(DomainBudget b) { return b.capacity().minus(b.capacity().fractionOf(hostReserve)); }

    private Map<Integer, SchedAttributes> snapshot(List<ThreadChange> changes) {
        Map<Integer, SchedAttributes> before = new LinkedHashMap<>();
        for (ThreadChange c : changes) {
            try {
                before.put(c.tid(), scheduler.get(c.tid()));
            } catch (SchedException.ThreadGone e) {
                throw new InvalidInputException("thread " + c.tid(), "does not exist", "check the id: live threads of a process are listed in /proc/PID/task");
            }
        }
        return before;
    }

    /** Refuses the plan, before any syscall, when a root domain cannot take its net growth. */
    private LedgerRepair admit(List<ThreadChange> effective, Map<Integer, SchedAttributes> before,
                               Map<Integer, DomainBudget> byTid) {
        Map<String, CpuBandwidth> growth = new LinkedHashMap<>();
        Map<String, DomainBudget> budgets = new LinkedHashMap<>();
        for (ThreadChange c : effective) {
            DomainBudget b = byTid.get(c.tid());
            budgets.putIfAbsent(b.cpus(), b);
            growth.merge(b.cpus(), c.target().bandwidth().minus(before.get(c.tid()).bandwidth()), CpuBandwidth::plus);
        }
        LedgerRepair repair = LedgerRepair.NOTHING;
        if (budgets.values().stream().anyMatch(b -> b.leaked().isPositive())) {
            repair = ledger.repairIfLeaked();
            if (repair.repaired()) { // re-read the budgets the repair changed
                Map<Integer, DomainBudget> fresh = ledger.budgetsFor(List.copyOf(byTid.keySet()));
                for (ThreadChange c : effective) budgets.put(fresh.get(c.tid()).cpus(), fresh.get(c.tid()));
            }
        }
        for (Map.Entry<String, CpuBandwidth> e : growth.entrySet()) {
            CpuBandwidth delta = e.getValue();
            if (!delta.isPositive()) continue;
            DomainBudget b = budgets.get(e.getKey());
            CpuBandwidth limit = limitOf(b);
            CpuBandwidth held = b.accountedHeld();
            if (held.plus(delta).exceeds(limit)) {
                throw new PlanRefusedException("the plan needs " + delta.percent() + " of a CPU more on root domain CPUs "
                        + b.cpus() + ", but only " + limit.minus(held).max(CpuBandwidth.ZERO).percent() + " is free: capacity "
                        + b.capacity().percent() + " less a host reserve of " + Math.round(hostReserve * 100) + "% leaves "
                        + limit.percent() + ", and " + held.percent()
                        + " is already held by deadline threads and servers. Fix: lower runtime/period, reserve fewer threads, "
                        + "release other reservations, or lower the host reserve (--host-reserve).", b, delta);
            }
        }
        return repair;
    }

    private TransactionFailedException rollBack(ThreadChange failed, RuntimeException cause, List<ThreadChange> applied,
                                                Map<Integer, SchedAttributes> before, LedgerCheck counters) {
        List<String> problems = new ArrayList<>();
        List<Integer> restored = new ArrayList<>();
        try {
            if (!counters.marked()) counters.markNow(); // the counters with the applied changes; the restores move them back
        } catch (RuntimeException e) {
            problems.add("ledger counters: " + e.getMessage());
        }
        for (int i = applied.size() - 1; i >= 0; i--) {
            ThreadChange c = applied.get(i);
            try {
                counters.set(c.tid(), c.target(), before.get(c.tid()));
                restored.add(c.tid());
            } catch (SchedException.ThreadGone gone) {
                restored.add(c.tid()); // nothing left to restore: an exited thread holds nothing
            } catch (RuntimeException e) {
                problems.add("thread " + c.tid() + ": " + e.getMessage());
            }
        }
        LedgerRepair repair;
        try {
            repair = counters.marked() ? counters.verify() : ledger.repairIfLeaked();
        } catch (RuntimeException e) {
            problems.add("ledger repair: " + e.getMessage());
            repair = LedgerRepair.NOTHING;
        }
        String why = cause instanceof SchedException.ThreadGone
                ? "thread " + failed.tid() + " exited during the apply"
                : "setting thread " + failed.tid() + (failed.label().isEmpty() ? "" : " (" + failed.label() + ")")
                  + " to " + failed.target().describe() + " failed: " + cause.getMessage();
        return new TransactionFailedException(why, cause, failed, restored, problems, repair);
    }
}
