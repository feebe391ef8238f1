package io.vmqos.host.reconcile;

import java.util.List;

/**
 * A reconcile step failed; every step of the transaction before it was undone in reverse order, and the record
 * written accordingly. {@link #undoProblems()} is empty when the host is exactly as it was before the transaction;
 * otherwise each names what could not be put back and the fix (the record still holds it, so the next reconcile or
 * {@code vmqos release} tries again).
 */
public final class ReconcileFailedException extends RuntimeException {
    private final String failedStep;
    private final List<String> undone;
    private final List<String> undoProblems;

    public ReconcileFailedException(String failedStep, RuntimeException cause, List<String> undone, List<String> undoProblems) {
        super(failedStep + " failed: " + cause.getMessage() + "; " + (undoProblems.isEmpty()
                ? "rolled back: " + (undone.isEmpty() ? "nothing had changed" : String.join(", ", undone) + " undone")
                : "ROLLBACK INCOMPLETE: " + String.join("; ", undoProblems)), cause);
        this.failedStep = failedStep;
        this.undone = List.copyOf(undone);
        this.undoProblems = List.copyOf(undoProblems);
    }

    public String failedStep() { return failedStep; }
    public List<String> undone() { return undone; }
    public List<String> undoProblems() { return undoProblems; }

    /** True when everything was put back. */
    public boolean rolledBack() { return undoProblems.isEmpty(); }
}
