package io.vmqos.host.reconcile;

/**
 * Test seam of the {@link Executor}: called at every point where a crash could leave the host between two states
 * (before and after each record write and each change). {@link #NONE} in production; the crash tests use
 * {@link #fromEnvironment()} to stop the process at a chosen point, where the test kills it with SIGKILL.
 */
@FunctionalInterface
public interface CrashPoints {
    CrashPoints NONE = point -> { };

    /** Called by the executor's thread at {@code point} (e.g. {@code 3 before-apply reserve 2 thread(s)}). */
    void reached(String point);

    /**
     * {@code VMQOS_PAUSE_AT=N}: at the N-th point (counting from 1 in this process) print
     * {@code vmqos: paused at crash point N (POINT)} to stderr and sleep until killed; {@code VMQOS_PAUSE_AT=count}
     * prints {@code vmqos: crash point N (POINT)} at every point and goes on. Unset: {@link #NONE}.
     */
    static CrashPoints fromEnvironment() {
        String v = System.getenv("VMQOS_PAUSE_AT");
        if (v == null || v.isBlank()) return NONE;
        int[] count = {0};
        if (v.strip().equals("count")) {
            return point -> {
                System.err.println("vmqos: crash point " + ++count[0] + " (" + point + ")");
                System.err.flush();
            };
        }
        int target = Integer.parseInt(v.strip());
        return point -> {
            if (++count[0] != target) return;
            System.err.println("vmqos: paused at crash point " + target + " (" + point + ")");
            System.err.flush();
            try {
                Thread.sleep(Long.MAX_VALUE);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        };
    }
}
