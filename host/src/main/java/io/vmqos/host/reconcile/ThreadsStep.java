package io.vmqos.host.reconcile;

import io.vmqos.core.SchedAttributes;
import io.vmqos.core.ThreadChange;
import io.vmqos.host.ApplyReport;
import io.vmqos.host.Reserver;
import io.vmqos.host.ThreadOutcome;
import io.vmqos.host.state.HostRecord;
import io.vmqos.host.state.Owner;
import io.vmqos.host.state.StoredAttrs;

import java.util.ArrayList;
import java.util.List;

/**
 * One {@link Reserver} transaction over several threads: kernel admission for the net growth, shrinking changes
 * first, read-back, exact rollback. The record gets each thread's value before vmqos (kept from an earlier entry),
 * the value applied and its owners; a thread no owner wants any more (and that is in no partition) leaves the record
 * once it is back to its value before.
 *
 * <p>A thread pinned into a partition that has not run there since (it sleeps: the kernel moves a sleeping thread at
 * its next wake-up, and until then refuses it DEADLINE, its old CPU's root domain not being covered by its affinity) is
 * not changed: it is left pinned, recorded as it is, and {@link #waiting() reported}; a later reconcile reserves it
 * once it has run.
 */
final class ThreadsStep implements Step {
    /**
     * @param owners the thread's owners after this step (every scope's); empty: it goes back to its value before
     * @param pinnedTo the partition cpuset the thread is pinned to, or null
     */
    record Change(LiveThread live, SchedAttributes target, String label, List<Owner> owners, String pinnedTo) {
        Change(LiveThread live, SchedAttributes target, String label, List<Owner> owners) { this(live, target, label, owners, null); }
    }

    private final String what;
    private final List<Change> changes;
    private final Reserver reserver;
    private final io.vmqos.linux.CpuPartitions partitions;
    private final List<Change> waiting = new ArrayList<>();
    private ApplyReport report = new ApplyReport(List.of(), io.vmqos.host.LedgerRepair.NOTHING);

    ThreadsStep(String what, List<Change> changes, Reserver reserver, io.vmqos.linux.CpuPartitions partitions) {
        this.what = what;
        this.changes = List.copyOf(changes);
        this.reserver = reserver;
        this.partitions = partitions;
    }

    /**
     * {@code reserve 2 thread(s)}, or, when the step does more than one kind of change, each: {@code reserve 1, resize 2
     * thread(s)} (resize: a reservation's runtime, period or flags change; release: back to what it was before).
     */
    @Override public String describe() {
        java.util.Map<String, Integer> kinds = new java.util.LinkedHashMap<>();
        for (Change c : changes) {
            boolean was = c.live().attrs().isDeadline(), will = c.target().isDeadline();
            kinds.merge(was && will ? "resize" : will ? "reserve" : was ? "release" : what, 1, Integer::sum);
        }
        if (kinds.size() == 1 && kinds.containsKey(what)) return what + " " + changes.size() + " thread(s)";
        List<String> parts = new ArrayList<>();
        kinds.forEach((k, n) -> parts.add(k + " " + n));
        return String.join(", ", parts) + " thread(s)";
    }

    @Override
    public HostRecord intend(HostRecord r) {
        for (Change c : changes) {
            int tid = c.live().tid();
            var e = r.thread(tid);
            if (e.isPresent()) {
                r = r.withThread(e.get().withApplied(StoredAttrs.of(c.target()), e.get().cpusetApplied()).withOwners(
                        c.owners().isEmpty() ? e.get().owners() : c.owners()));
            } else {
                r = r.withThread(new HostRecord.ThreadEntry(tid, c.live().pid(), c.live().startTime(), c.label(), StoredAttrs.of(c.live().attrs()),
                        StoredAttrs.of(c.target()), null, null, c.owners()));
            }
        }
        return r;
    }

    @Override
    public void apply() {
        List<ThreadChange> set = new ArrayList<>();
        waiting.clear();
        for (Change c : changes) {
            if (c.live().attrs().sameSchedulingAs(c.target())) continue;
            if (c.pinnedTo() != null && c.target().isDeadline() && !arrived(c)) {
                waiting.add(c);
                continue;
            }
            set.add(new ThreadChange(c.live().tid(), c.target(), c.label()));
        }
        if (!set.isEmpty()) report = reserver.restore(set); // a thread that exited meanwhile holds nothing: skipped
    }

    private boolean arrived(Change c) {
        try {
            return partitions.arrived(c.live().tid(), c.pinnedTo());
        } catch (io.vmqos.linux.PartitionException gone) {
            return true; // exited (the Reserver skips it) or its cpuset went: let the Reserver say what is wrong
        }
    }

    /** The threads left as they were because they have not run on their partition's CPU yet (empty before the apply). */
    List<Change> waiting() { return List.copyOf(waiting); }

    @Override
    public HostRecord done(HostRecord r) {
        for (Change c : waiting) {
            var e = r.thread(c.live().tid());
            if (e.isPresent()) r = r.withThread(e.get().withApplied(StoredAttrs.of(c.live().attrs()), e.get().cpusetApplied()));
        }
        for (Change c : changes) {
            var e = r.thread(c.live().tid());
            if (c.owners().isEmpty() && e.isPresent() && e.get().cpusetApplied() == null) r = r.withoutThread(c.live().tid());
            else if (c.owners().isEmpty() && e.isPresent()) r = r.withThread(e.get().withOwners(List.of()));
        }
        return r;
    }

    /** What the apply did to each thread it changed (empty before it ran). */
    List<ThreadOutcome> outcomes() { return report.outcomes(); }

    /** The ledger repair the apply made, if any. */
    io.vmqos.host.LedgerRepair repair() { return report.repair(); }

    @Override
    public void undo() {
        List<ThreadChange> back = new ArrayList<>();
        for (Change c : changes) back.add(new ThreadChange(c.live().tid(), c.live().attrs(), c.label()));
        reserver.restore(back);
    }
}
