package io.vmqos.host.reconcile;

import io.vmqos.host.state.HostRecord;
import io.vmqos.host.state.RecordStore;

import java.util.ArrayList;
import java.util.List;

/**
 * Runs reconcile {@link Step}s all-or-nothing, recording ahead of every change.
 *
 * <p>For each step: write {@link Step#intend}'s record (durably), {@link Step#apply}, write {@link Step#done}'s
 * record. When a step throws, that step and every step before it in the same {@link Transaction} (across all the
 * {@link Transaction#run} calls of that transaction) are undone in reverse order, and the record is written back to
 * what it was before the transaction, except for the entries of steps whose undo failed: those stay recorded, so that
 * nothing vmqos changed is ever left without a record of it.
 *
 * <p>Not thread-safe: one transaction at a time, on the thread that holds the host lock.
 */
public final class Executor {
    private final RecordStore store;
    private final CrashPoints crash;
    private int points;

    public Executor(RecordStore store, CrashPoints crash) {
        this.store = store;
        this.crash = crash;
    }

    /** Starts a transaction from {@code current} (the record as read and, if need be, rebuilt from the kernel). */
    public Transaction begin(HostRecord current) { return new Transaction(current); }

    /** One all-or-nothing group of steps, possibly run in several passes. */
    public final class Transaction {
        private final HostRecord start;
        private HostRecord record;
        private final List<Step> applied = new ArrayList<>();
        private final List<String> done = new ArrayList<>();
        private final List<Step> completed = new ArrayList<>();

        private Transaction(HostRecord start) {
            this.start = start;
            this.record = start;
        }

        /** The record as it stands (written). */
        public HostRecord record() { return record; }

        /** What the transaction did so far, step by step. */
        public List<String> done() { return List.copyOf(done); }

        /** What the thread steps that ran did to each thread (in order). */
        public List<io.vmqos.host.ThreadOutcome> threadOutcomes() {
            List<io.vmqos.host.ThreadOutcome> out = new ArrayList<>();
            for (Step s : completed) if (s instanceof ThreadsStep t) out.addAll(t.outcomes());
            return out;
        }

        /** The ledger repairs the thread steps made (a leak found and repaired). */
        public List<io.vmqos.host.LedgerRepair> repairs() {
            List<io.vmqos.host.LedgerRepair> out = new ArrayList<>();
            for (Step s : completed) if (s instanceof ThreadsStep t && t.repair().repaired()) out.add(t.repair());
            return out;
        }

        /** True when no step has run. */
        public boolean isEmpty() { return applied.isEmpty(); }

        /**
         * Runs {@code steps} in order.
         *
         * @throws ReconcileFailedException a step failed; the whole transaction was rolled back
         */
        public void run(List<Step> steps) {
            for (Step s : steps) {
                String what = s.describe();
                point("before-intend", what);
                HostRecord intended = s.intend(record);
                if (!intended.equals(record)) record = store.write(intended);
                applied.add(s);
                point("before-apply", what);
                try {
                    s.apply();
                } catch (RuntimeException e) {
                    throw rollBack(what, e);
                }
                point("after-apply", what);
                HostRecord after = s.done(record);
                if (!after.equals(record)) record = store.write(after);
                done.add(what);
                completed.add(s);
                point("after-done", what);
            }
        }

        /** Undoes everything this transaction did (e.g. when a later admission check refuses); returns the problems. */
        public List<String> abort() {
            List<String> problems = new ArrayList<>();
            List<String> undone = new ArrayList<>();
            undoAll(undone, problems);
            return problems;
        }

        private ReconcileFailedException rollBack(String failed, RuntimeException cause) {
            List<String> undone = new ArrayList<>();
            List<String> problems = new ArrayList<>();
            undoAll(undone, problems);
            return new ReconcileFailedException(failed, cause, undone, problems);
        }

        private void undoAll(List<String> undone, List<String> problems) {
            List<Step> kept = new ArrayList<>();
            for (int i = applied.size() - 1; i >= 0; i--) {
                Step s = applied.get(i);
                point("before-undo", s.describe());
                try {
                    s.undo();
                    undone.add(s.describe());
                } catch (RuntimeException e) {
                    problems.add(s.describe() + ": " + e.getMessage());
                    kept.add(0, s);
                }
            }
            HostRecord back = start;
            for (Step s : kept) back = s.intend(back);
            try {
                record = back.equals(record) ? record : store.write(back);
            } catch (RuntimeException e) {
                problems.add("writing the record back: " + e.getMessage());
            }
            applied.clear();
            completed.clear();
            done.clear();
        }

        private void point(String where, String what) {
            crash.reached(++points + " " + where + " " + what);
        }
    }
}
