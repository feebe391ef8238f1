package io.vmqos.host;

import io.vmqos.core.ThreadChange;

import java.util.List;

/**
 * The kernel refused a change midway (or a thread vanished); every thread already changed was put back to its
 * previous attributes. {@link #rollbackProblems()} is empty when the host is exactly as it was.
 */
public final class TransactionFailedException extends RuntimeException {
    private final transient ThreadChange failed;
    private final List<Integer> restored;
    private final List<String> rollbackProblems;
    private final transient LedgerRepair repair;

    public TransactionFailedException(String why, Throwable cause, ThreadChange failed, List<Integer> restored,
                                      List<String> rollbackProblems, LedgerRepair repair) {
        super(why + "; " + (rollbackProblems.isEmpty()
                ? "rolled back: " + restored.size() + " changed thread(s) put back as they were"
                : "ROLLBACK INCOMPLETE: " + String.join("; ", rollbackProblems)), cause);
        this.failed = failed;
        this.restored = List.copyOf(restored);
        this.rollbackProblems = List.copyOf(rollbackProblems);
        this.repair = repair;
    }

    public ThreadChange failed() { return failed; }
    public List<Integer> restored() { return restored; }
    public List<String> rollbackProblems() { return rollbackProblems; }
    public LedgerRepair repair() { return repair; }
}
