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
}
