package io.vmqos.linux;

/**
 * One event of the kernel's process events connector, as {@link ProcEvents} delivers it. Ids are kernel ids in
 * the initial pid namespace: {@code tid} is a thread id ({@code task->pid}), {@code tgid} its process id.
 * {@link #timestampNs()} is the kernel's {@code ktime_get_ns()} when the event happened, the same clock
 * ({@code CLOCK_MONOTONIC}) as {@link System#nanoTime()} on Linux.
 */
public sealed interface ProcEvent {
    /** When the event happened (kernel CLOCK_MONOTONIC, comparable with {@link System#nanoTime()}). */
    long timestampNs();

    /**
     * A new task: a process ({@code childTid == childTgid}) or a thread of process {@code childTgid}. For a
     * thread the parent fields name the process's parent (the kernel reports {@code real_parent}, which
     * {@code CLONE_THREAD} shares), not the thread that called {@code clone}.
     */
    record Fork(int parentTid, int parentTgid, int childTid, int childTgid, long timestampNs) implements ProcEvent {
        /** True if the new task is a thread of an existing process rather than a new process. */
        public boolean isThread() { return childTid != childTgid; }
    }

    /** Thread {@code tid} of process {@code tgid} called {@code execve}; it now leads the process ({@code tid == tgid}). */
    record Exec(int tid, int tgid, long timestampNs) implements ProcEvent {}

    /**
     * Thread {@code tid} was renamed to {@code comm} (at most 15 bytes) by {@code prctl(PR_SET_NAME)} or a write
     * to {@code /proc/PID/task/TID/comm}, e.g. QEMU naming a new vCPU thread {@code CPU 0/KVM}.
     */
    record Comm(int tid, int tgid, String comm, long timestampNs) implements ProcEvent {}

    /**
     * Thread {@code tid} of process {@code tgid} exited; the kernel reports every thread. {@code exitCode} is the
     * kernel's wait status ({@code (status << 8) | signal}, see {@link #status()} and {@link #signal()}).
     * {@code tid == tgid} is the leader's exit: the process is gone once all its threads have exited.
     */
    record Exit(int tid, int tgid, int exitCode, long timestampNs) implements ProcEvent {
        /** The exit status the task passed to {@code exit}, if {@link #signal()} is 0. */
        public int status() { return (exitCode >> 8) & 0xff; }

        /** The signal that killed the task, or 0. */
        public int signal() { return exitCode & 0x7f; }
    }

    /**
     * The kernel dropped events because the socket's receive buffer was full ({@code ENOBUFS}): a caller that
     * tracks tasks must rescan {@code /proc}. {@code timestampNs} is when the loss was noticed. The kernel reports
     * the loss ahead of the events still queued from before it, and drops every new event until those are read, so
     * events older than the rescan may follow it: handle them as possibly stale (the task may be gone).
     */
    record Overrun(long timestampNs) implements ProcEvent {}
}
