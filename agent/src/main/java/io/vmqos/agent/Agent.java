package io.vmqos.agent;

/**
 * A role run by one duty-cycle thread, after Agrona's {@code Agent}: the {@link AgentRunner} calls {@link #onStart}
 * once, then {@link #doWork} in a loop, blocking in between on its {@link Wakeup} until something happens or the
 * agent's own deadline ({@link #nextDeadlineNanos}) passes, and {@link #onClose} once when stopped.
 *
 * <p>Every method is called on the runner's one thread and only there, so an agent needs no locks for its own state;
 * other threads talk to it only through the {@link Wakeup}. {@code doWork} must be idempotent with respect to the host:
 * calling it when nothing changed changes nothing.
 */
public interface Agent {
    /** Name for the thread and the logs, e.g. {@code vmqos-agent}. */
    String roleName();

    /** Once, before the first {@link #doWork}. */
    void onStart();

    /**
     * One unit of work: handle what {@code reasons} says happened (may be empty: the deadline passed).
     *
     * @return how much work was done (0 when there was nothing to do)
     */
    int doWork(java.util.Set<String> reasons);

    /** The {@link System#nanoTime()} by which {@link #doWork} must run again even if nothing happens (the safety net). */
    long nextDeadlineNanos();

    /** Once, after the last {@link #doWork}, on stop. */
    void onClose();
}
