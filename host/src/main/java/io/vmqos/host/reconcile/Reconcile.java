package io.vmqos.host.reconcile;

import io.vmqos.core.desired.DesiredState;
import io.vmqos.host.state.HostRecord;

import java.util.Collection;
import java.util.List;

/** One reconcile pass: {@link Diff} the desired state with the record and the live host, and run the steps in the transaction. */
public final class Reconcile {
    private Reconcile() {}

    /**
     * @return true when steps ran (the caller observes again and runs another pass), false when the host already is
     *     as desired
     * @throws ReconcileFailedException a step failed; the whole transaction was undone
     * @throws io.vmqos.host.PlanRefusedException another scope holds something with another value; nothing changed
     */
    public static boolean run(Executor.Transaction tx, String scope, DesiredState desired, Live live, Collection<HostRecord.VmEntry> vms,
                              HostAdapters adapters, List<String> notes) {
        List<Step> steps = Diff.steps(scope, desired, tx.record(), live, vms, adapters, notes);
        if (steps.isEmpty()) return false;
        tx.run(steps);
        return true;
    }

    /** The steps a pass would run, without running them (for tests and {@code --dry-run}). */
    public static List<String> describe(String scope, DesiredState desired, HostRecord record, Live live, Collection<HostRecord.VmEntry> vms,
                                        HostAdapters adapters, List<String> notes) {
        return Diff.steps(scope, desired, record, live, vms, adapters, notes).stream().map(Step::describe).toList();
    }
}
