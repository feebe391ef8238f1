package io.vmqos.testing;

import io.vmqos.linux.LinuxThreadScheduler;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Real platform threads for kernel tests: each one either spins or sleeps until {@link #close()}, and reports its
 * kernel thread id. close() stops and joins them all, so no test leaves a thread (or its reservation) behind.
 */
public final class TestThreads implements AutoCloseable {
    /** SPIN: runs all the time; SLEEP: sleeps 50 ms at a time; PERIODIC: works ~0.3 ms every ~2 ms, as a VM thread does. */
    public enum Kind { SPIN, SLEEP, PERIODIC }

    private final List<Thread> threads = new ArrayList<>();
    private final int[] tids;
    private final AtomicBoolean stop = new AtomicBoolean();
    private final java.util.concurrent.atomic.AtomicLongArray rounds;

    private TestThreads(int n, Kind kind) throws InterruptedException {
        tids = new int[n];
        rounds = new java.util.concurrent.atomic.AtomicLongArray(n);
        CountDownLatch ready = new CountDownLatch(n);
        for (int i = 0; i < n; i++) {
            final int idx = i;
            Thread t = Thread.ofPlatform().name("vq-test-" + kind.name().toLowerCase() + "-" + i).daemon().start(() -> {
                tids[idx] = LinuxThreadScheduler.currentTid();
                ready.countDown();
                if (kind == Kind.SPIN) {
                    long x = 0;
                    while (!stop.get()) x++;
                    if (x == 42) System.out.print("");
                } else if (kind == Kind.PERIODIC) {
                    while (!stop.get()) {
                        java.util.concurrent.locks.LockSupport.parkNanos(2_000_000);
                        long end = System.nanoTime() + 300_000;
                        while (System.nanoTime() < end) Thread.onSpinWait();
                        rounds.incrementAndGet(idx);
                    }
                } else {
                    while (!stop.get()) {
                        try { Thread.sleep(50); } catch (InterruptedException e) { return; }
                    }
                }
            });
            threads.add(t);
        }
        if (!ready.await(10, TimeUnit.SECONDS)) throw new IllegalStateException("test threads did not start");
    }

    public static TestThreads spinning(int n) throws InterruptedException { return new TestThreads(n, Kind.SPIN); }

    public static TestThreads sleeping(int n) throws InterruptedException { return new TestThreads(n, Kind.SLEEP); }

    public static TestThreads periodic(int n) throws InterruptedException { return new TestThreads(n, Kind.PERIODIC); }

    /** How many work rounds thread {@code i} has done ({@link Kind#PERIODIC}). */
    public long rounds(int i) { return rounds.get(i); }

    public int tid(int i) { return tids[i]; }

    public int[] tids() { return tids.clone(); }

    public int size() { return tids.length; }

    /** Stops one thread and waits for it to exit (its tid becomes invalid). */
    public void stopOne(int i) throws InterruptedException {
        threads.get(i).interrupt();
        threads.get(i).join(5000);
    }

    @Override
    public void close() throws InterruptedException {
        stop.set(true);
        for (Thread t : threads) t.interrupt();
        for (Thread t : threads) t.join(10_000);
    }
}
