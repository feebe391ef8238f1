package io.vmqos.host;

import java.util.List;

/**
 * A path transaction ({@link PathTransaction#apply}) failed at {@link #stage()}; everything done before was undone
 * in reverse (tc removed, threads put back, NAPI restored, ledger repaired). {@link #rollbackProblems()} is empty
 * when the host is as it was; otherwise it lists what is left and how to clear it. {@link #getCause()} is the typed
 * error of the failed step (e.g. {@link io.vmqos.linux.net.NapiUnsupportedException} naming the device,
 * {@link io.vmqos.linux.net.ShapingException}, {@link PlanRefusedException}, {@link TransactionFailedException}).
 */
public final class PathTransactionException extends RuntimeException {
    /** The steps of a path transaction, in order. */
    public enum Stage { DISCOVER, NAPI, RESERVE, IRQ, SHAPE, STATE }

    private final Stage stage;
    private final List<String> rollbackProblems;

    public PathTransactionException(String vm, Stage stage, Throwable cause, List<String> undone, List<String> rollbackProblems) {
        super("VM " + vm + ": " + stageText(stage) + " failed: " + cause.getMessage() + "; "
                + (rollbackProblems.isEmpty()
                ? (undone.isEmpty() ? "nothing had been changed" : "rolled back: " + String.join(", ", undone))
                : "ROLLBACK INCOMPLETE: " + String.join("; ", rollbackProblems)), cause);
        this.stage = stage;
        this.rollbackProblems = List.copyOf(rollbackProblems);
    }

    public Stage stage() { return stage; }
    public List<String> rollbackProblems() { return rollbackProblems; }
    public boolean rolledBack() { return rollbackProblems.isEmpty(); }

    private static String stageText(Stage s) {
        return switch (s) {
            case DISCOVER -> "finding the network path";
            case NAPI -> "(a) turning threaded NAPI on";
            case RESERVE -> "(b) reserving the VM and path threads";
            case IRQ -> "(b') moving the path IRQs onto the VM's CPUs";
            case SHAPE -> "(c) shaping the VM's taps";
            case STATE -> "recording the state file";
        };
    }
}
