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
     * Rebuilds root domains if the kernel's counter holds more than the live DEADLINE threads and servers
     * (the leak described in DEVELOPERS.md), then re-checks. Idempotent; cheap when nothing leaked.
     *
     * @return what was found and done
     */
    LedgerRepair repairIfLeaked();
}
