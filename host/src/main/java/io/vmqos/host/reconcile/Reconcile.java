package io.vmqos.host.reconcile;

import io.vmqos.core.desired.DesiredState;
import io.vmqos.host.state.HostRecord;

import java.util.Collection;
import java.util.List;

/** One reconcile pass: {@link Diff} the desired state with the record and the live host, and run the steps in the transaction. */
public final class Reconcile {
    private Reconcile() {}

    /**
     * @return true when the steps changed what the host shows the policy (threaded NAPI brings new threads to reserve,
     *     partitions and pinning change the ledger's root domains), so the caller observes again and runs another pass;
     *     false when the host is as desired
     * @throws ReconcileFailedException a step failed; the whole transaction was undone
     * @throws io.vmqos.host.PlanRefusedException another scope holds something with another value; nothing changed
     */
    public static boolean run(Executor.Transaction tx, String scope, DesiredState desired, Live live, Collection<HostRecord.VmEntry> vms,
                              HostAdapters adapters, List<String> notes) {
        List<Step> steps = Diff.steps(scope, desired, tx.record(), live, vms, adapters, notes);
        if (steps.isEmpty()) return false;
        tx.run(steps);
        return steps.stream().anyMatch(s -> s instanceof NapiStep || s instanceof PartitionStep || s instanceof MoveStep);
    }

    /**
     * Puts the given threads back to their value before vmqos (their record entry, whoever owns it, is dropped), or to
     * SCHED_OTHER nice 0 when vmqos never recorded them (a DEADLINE thread, or with {@code realTime} also a FIFO/RR one,
     * someone else made so): what {@code vmqos release --tid} asks. Other unrecorded threads are left alone.
     *
     * @return true when steps ran
     */
    public static boolean releaseThreads(Executor.Transaction tx, List<LiveThread> threads, boolean realTime, HostAdapters adapters,
                                         List<String> notes) {
        List<ThreadsStep.Change> changes = new java.util.ArrayList<>();
        List<Step> steps = new java.util.ArrayList<>();
        for (LiveThread t : threads) {
            var e = tx.record().thread(t.tid()).filter(x -> x.startTime() == t.startTime());
            io.vmqos.core.SchedAttributes target = e.map(x -> x.before().toAttributes()).orElse(io.vmqos.core.SchedAttributes.other());
            if (e.isEmpty() && !t.attrs().isDeadline() && !(realTime && t.attrs().policy().isRealTime())) continue;
            e.ifPresent(x -> {
                if (!x.owners().isEmpty()) notes.add("thread " + t.tid() + " (" + x.label() + ") was held by " + x.owners() + ": released");
            });
            if (e.isPresent() && e.get().cpusetApplied() != null) {
                changes.add(new ThreadsStep.Change(t, target.isDeadline() ? io.vmqos.core.SchedAttributes.other() : target, e.get().label(), List.of()));
                LiveThread after = new LiveThread(t.tid(), t.pid(), t.startTime(), target.isDeadline() ? io.vmqos.core.SchedAttributes.other() : target, t.cpuset());
                steps.add(new MoveStep(after, e.get().cpusetBefore(), true, e.get().label(), List.of(), adapters.partitions()));
            } else {
                changes.add(new ThreadsStep.Change(t, target, e.map(HostRecord.ThreadEntry::label).orElse("thread " + t.tid()), List.of()));
            }
        }
        if (changes.isEmpty()) return false;
        steps.addFirst(new ThreadsStep("release", changes, adapters.reserver(), adapters.partitions()));
        tx.run(steps);
        return true;
    }

    /** The steps a pass would run, without running them (for tests and {@code --dry-run}). */
    public static List<String> describe(String scope, DesiredState desired, HostRecord record, Live live, Collection<HostRecord.VmEntry> vms,
                                        HostAdapters adapters, List<String> notes) {
        return Diff.steps(scope, desired, record, live, vms, adapters, notes).stream().map(Step::describe).toList();
    }
}
