package io.vmqos.host;

/**
 * What a transaction needs from the kernel's deadline-bandwidth ledger: the budget of the root domain a thread
 * belongs to, and a repair of the known leak. The real one reads debugfs and procfs ({@link KernelLedgerAccess});
 * tests use fakes. Called from the thread that runs the transaction.
 */
public interface LedgerAccess {
    /** The budget of the root domain thread {@code tid} runs in. */
    DomainBudget budgetFor(int tid);

    /**
     * The budgets of the root domains of all {@code tids}, keyed by tid, from ONE read of the ledger (a read walks
     * procfs and debugfs, tens of ms: a transaction reads it once, not once per thread).
     */
    default java.util.Map<Integer, DomainBudget> budgetsFor(java.util.Collection<Integer> tids) {
        java.util.Map<Integer, DomainBudget> m = new java.util.HashMap<>();
        for (int tid : tids) m.put(tid, budgetFor(tid));
        return m;
    }

    /**
     * Rebuilds root domains if the kernel's counter holds more than the live DEADLINE threads and servers
     * (the leak described in DEVELOPERS.md), then re-checks. Idempotent; cheap when nothing leaked.
     *
     * @return what was found and done
     */
    LedgerRepair repairIfLeaked();

    /**
     * Reads the kernel's counters before a transaction changes {@code tids}, cheaply (no walk of every thread), for
     * {@link #verify}. The default reads nothing ({@link LedgerMark#NONE}).
     */
    default LedgerMark mark(java.util.Collection<Integer> tids) { return LedgerMark.NONE; }

    /**
     * After a transaction: checks that the kernel's counters moved from {@code mark} by exactly what the threads' kernel
     * bandwidths moved ({@code moved}: tid → fixed-point change since the mark), waiting up to {@code pendingUpTo} for
     * bandwidth the kernel frees only at a thread's 0-lag time; when they did not, {@link #repairIfLeaked} (which
     * also repairs what others leaked). The default, and a {@link LedgerMark#NONE} mark, go straight to it.
     */
    default LedgerRepair verify(LedgerMark mark, java.util.Map<Integer, Long> moved, java.time.Duration pendingUpTo) {
        return repairIfLeaked();
    }
}
