package io.vmqos.host.reconcile;

import io.vmqos.host.state.HostRecord;

/**
 * One change of a reconcile: an apply and an undo, and what the {@link HostRecord} says before and after it. The
 * {@link Executor} writes {@link #intend}'s record BEFORE it calls {@link #apply} (write-ahead), so whatever moment
 * the process dies at, the record holds the value to put back; and it writes {@link #done}'s record after.
 *
 * <p>Implementations hold everything they need (adapters, values before) when built; they are run once, by the
 * executor's thread.
 */
public interface Step {
    /** For people and logs: {@code reserve 3 thread(s)}, {@code threaded NAPI on veth0}. */
    String describe();

    /** The record to make durable before {@link #apply}: it must hold what {@link #undo} and a later process need. Pure. */
    HostRecord intend(HostRecord r);

    /** Changes the host. Idempotent (applying what is already there changes nothing). On a throw, {@link #undo} follows. */
    void apply();

    /** The record after a successful {@link #apply} (e.g. the entry of what was put back removed). Pure. */
    HostRecord done(HostRecord r);

    /**
     * Puts back what {@link #apply} changed, also after a partial apply. Idempotent.
     *
     * @throws RuntimeException when something could not be put back: the message names it and the fix
     */
    void undo();
}
