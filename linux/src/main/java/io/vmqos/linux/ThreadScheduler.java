package io.vmqos.linux;

import io.vmqos.core.SchedAttributes;

import java.util.Optional;

/**
 * Reads and sets a thread's scheduling attributes. The real implementation is {@link LinuxThreadScheduler}
 * ({@code sched_getattr}/{@code sched_setattr} through FFM); tests may substitute fakes.
 *
 * <p>Any thread may call it; each call is one syscall and is independent of the others.
 */
public interface ThreadScheduler {
    /** The thread's current attributes. @throws SchedException typed by errno (ESRCH: thread gone). */
    SchedAttributes get(int tid);

    /** The thread's current attributes; empty when it is gone (ESRCH). @throws SchedException for any other errno. */
    default Optional<SchedAttributes> find(int tid) {
        try {
            return Optional.of(get(tid));
        } catch (SchedException.ThreadGone gone) {
            return Optional.empty();
        }
    }

    /** Sets the thread's attributes as given. @throws SchedException typed by errno. */
    void set(int tid, SchedAttributes attributes);
}
