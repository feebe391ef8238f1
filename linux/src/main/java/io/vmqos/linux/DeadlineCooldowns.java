package io.vmqos.linux;

import io.vmqos.core.Durations;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The threads this process took out of SCHED_DEADLINE, and until when each must stay out: a thread that re-enters
 * DEADLINE before the 0-lag time of its exit is never run again by the 6.18 kernel (see {@link DeadlineExit}).
 * {@link #awaitReentry} waits out a short cool-down and refuses a long one. A thread is known by its tid alone (a
 * cool-down lasts a fraction of a second; a tid reused within it waits it out for nothing, harmlessly). Process-wide
 * and thread-safe: every vmqos change of a thread goes through one process (the host lock), and a process that took threads out waits for the kernel's counter (or the cool-down) before
 * it lets the lock go ({@code LedgerCheck}), so the next one starts clean.
 */
public final class DeadlineCooldowns {
    /** The longest cool-down {@link #awaitReentry} waits out rather than refuses. */
    public static final long MAX_WAIT_NS = 1_000_000_000L;

    private record Until(long leftAtNanos, long untilNanos) {}

    private static final Map<Integer, Until> UNTIL = new ConcurrentHashMap<>();

    private DeadlineCooldowns() {}

    /** Thread {@code tid} left DEADLINE now and must stay out for {@code cooldownNs}. */
    public static void left(int tid, long cooldownNs) {
        if (cooldownNs <= 0) {
            UNTIL.remove(tid);
            return;
        }
        long now = System.nanoTime();
        UNTIL.put(tid, new Until(now, now + cooldownNs));
    }

    /**
     * The kernel has freed thread {@code tid}'s bandwidth (its counter moved by the exit: no inactive timer is armed any
     * more), so it may enter DEADLINE at once.
     */
    public static void settled(int tid) { UNTIL.remove(tid); }

    /** How long thread {@code tid} must still stay out of DEADLINE (0: it may enter now). */
    public static long remainingNs(int tid) {
        Until u = UNTIL.get(tid);
        if (u == null) return 0;
        long left = u.untilNanos() - System.nanoTime();
        if (left <= 0) {
            UNTIL.remove(tid, u);
            return 0;
        }
        return left;
    }

    /**
     * Returns once thread {@code tid} may enter DEADLINE: at once, or after its cool-down when that is at most
     * {@link #MAX_WAIT_NS}.
     *
     * @throws SchedException.AdmissionRefused a longer cool-down (a reservation whose period is over ~100 times its
     *     runtime, left less than its bound ago); nothing was changed
     */
    public static void awaitReentry(int tid) {
        Until u = UNTIL.get(tid);
        long left = remainingNs(tid);
        if (left <= 0 || u == null) return;
        if (left > MAX_WAIT_NS) {
            throw new SchedException.AdmissionRefused(tid, "thread " + tid + " left SCHED_DEADLINE "
                    + Durations.format(System.nanoTime() - u.leftAtNanos()) + " ago, and reserved again before its 0-lag time ("
                    + Durations.format(left) + " from now) the kernel would never run it again (fix: retry after that)");
        }
        try {
            Thread.sleep(left / 1_000_000, (int) (left % 1_000_000));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new SchedException.AdmissionRefused(tid, "interrupted while thread " + tid + " waited to re-enter SCHED_DEADLINE");
        }
    }
}
