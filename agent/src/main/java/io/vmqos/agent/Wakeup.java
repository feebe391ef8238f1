package io.vmqos.agent;

import java.util.LinkedHashSet;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

/**
 * How event sources (file watches, process events, QMP connections, the control socket) tell the agent's duty thread
 * that something happened. Reasons are coalesced: ten signals while the duty thread is busy are one wake-up with ten
 * (distinct) reasons. Any thread may {@link #signal}; only the duty thread {@link #await}s.
 */
public final class Wakeup {
    private final ReentrantLock lock = new ReentrantLock();
    private final Condition changed = lock.newCondition();
    private final Set<String> reasons = new LinkedHashSet<>();
    private boolean stopped;
    private long firstSignalNanos;
    private volatile long batchStartNanos;

    /** Records a reason (e.g. {@code vm web1: QMP connection closed}) and wakes the duty thread. */
    public void signal(String reason) {
        lock.lock();
        try {
            if (reasons.isEmpty()) firstSignalNanos = System.nanoTime();
            reasons.add(reason);
            changed.signalAll();
        } finally {
            lock.unlock();
        }
    }

    /** Makes {@link #await} return at once from now on (shutdown). */
    public void stop() {
        lock.lock();
        try {
            stopped = true;
            changed.signalAll();
        } finally {
            lock.unlock();
        }
    }

    public boolean stopped() {
        lock.lock();
        try {
            return stopped;
        } finally {
            lock.unlock();
        }
    }

    /**
     * Waits until a reason is signalled, {@code deadlineNanos} (a {@link System#nanoTime()}) passes, or {@link #stop};
     * then waits {@code settleNanos} more to gather what belongs to the same event (a QEMU starting creates its socket,
     * then its threads), and returns and clears the reasons (empty when the deadline passed).
     */
    public Set<String> await(long deadlineNanos, long settleNanos) throws InterruptedException {
        lock.lock();
        try {
            while (reasons.isEmpty() && !stopped) {
                long left = deadlineNanos - System.nanoTime();
                if (left <= 0) break;
                changed.awaitNanos(left);
            }
            if (!reasons.isEmpty() && settleNanos > 0 && !stopped) {
                long until = System.nanoTime() + settleNanos;
                long left;
                while ((left = until - System.nanoTime()) > 0 && !stopped) changed.awaitNanos(left);
            }
            Set<String> out = new LinkedHashSet<>(reasons);
            batchStartNanos = out.isEmpty() ? System.nanoTime() : firstSignalNanos;
            reasons.clear();
            return out;
        } finally {
            lock.unlock();
        }
    }

    /** When the first reason of what the last {@link #await} returned was signalled (its return, if none was). */
    public long batchStartNanos() { return batchStartNanos; }

    /** True when a reason is waiting. */
    public boolean pending() {
        lock.lock();
        try {
            return !reasons.isEmpty();
        } finally {
            lock.unlock();
        }
    }

    static long nanos(long millis) { return TimeUnit.MILLISECONDS.toNanos(millis); }
}
