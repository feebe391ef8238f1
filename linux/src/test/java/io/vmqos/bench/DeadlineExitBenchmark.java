package io.vmqos.bench;

import io.vmqos.core.KernelLimits;
import io.vmqos.core.Reservation;
import io.vmqos.core.SchedAttributes;
import io.vmqos.linux.CpusetHierarchy;
import io.vmqos.linux.DeadlineLedger;
import io.vmqos.linux.KernelParameters;
import io.vmqos.linux.LinuxThreadScheduler;
import io.vmqos.testing.HostGuard;
import io.vmqos.testing.Root;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Semaphore;
import java.util.concurrent.SynchronousQueue;

/**
 * When does the kernel free a DEADLINE thread's bandwidth from {@code dl_bw->total_bw}? For a thread that sleeps
 * long, that blocked just now (within its 0-lag time), that runs, or that was just woken, changed directly to
 * SCHED_OTHER or to half its runtime, it prints what the
 * counter holds right after the change and at later instants: {@code exact} (what the new attributes explain),
 * {@code old} (still the old bandwidth), or the difference. Reservation 100ms/200ms, 3 repetitions, one fresh thread
 * each. Run with {@code scripts/bench.sh -Dtest=DeadlineExitBenchmark}; as root; asserts nothing. Other programs'
 * reservations changing meanwhile show as odd differences: read the rows that agree.
 */
@Tag("benchmark")
@ExtendWith(HostGuard.class)
class DeadlineExitBenchmark {
    private static final long P = 200_000_000L, Q = 100_000_000L;
    private static final long[] AT_MS = {0, 10, 50, 100, 200, 400};
    private static final int REPETITIONS = 3;

    private final LinuxThreadScheduler sched = new LinuxThreadScheduler();
    private final DeadlineLedger ledger = new DeadlineLedger(sched);

    enum State { SLEEPING_LONG, JUST_SLEPT, RUNNING, JUST_WOKEN }

    enum Change { TO_OTHER, HALF_RUNTIME }

    @Test
    void whenTheKernelFreesTheBandwidth() throws Exception {
        Root.assumeDeadlineCapable();
        System.out.printf("BENCH deadline exit: reservation %s, counter after the change at %s ms%n",
                Reservation.of(Q, P), java.util.Arrays.toString(AT_MS));
        for (State st : State.values()) {
            for (Change ch : Change.values()) {
                for (int rep = 0; rep < REPETITIONS; rep++) System.out.printf("BENCH %-13s %-13s %s%n", st, ch, once(st, ch));
            }
        }
    }

    /**
     * Opt in with {@code -Dvmqos.bench.zeroLag=true}: it drives this host's counter below zero for a moment (every
     * admission on the host fails meanwhile). A thread that blocked within its 0-lag time is switched directly to
     * SCHED_OTHER and the old leak check runs at once ({@link DeadlineLedger#repairIfLeaked}: it sees the bandwidth
     * still counted, waits its 100 ms settle, still sees it, rebuilds the root domains); then the kernel's inactive
     * timer frees the bandwidth a second time.
     */
    @Test
    void aRebuildBeforeTheZeroLagTimeCountsTheThreadOutTwice() throws Exception {
        Root.assumeDeadlineCapable();
        org.junit.jupiter.api.Assumptions.assumeTrue(Boolean.getBoolean("vmqos.bench.zeroLag"), "opt in: -Dvmqos.bench.zeroLag=true");
        long period = 1_000_000_000L;
        SchedAttributes dl = SchedAttributes.deadline(Reservation.of(period / 2, period));
        try (Worker w = new Worker()) {
            ledger.repairIfLeaked();
            long base = total();
            sched.set(w.tid, dl);
            w.spinThenBlock(period * 4 / 10); // 0-lag time 400 ms after it blocks
            Thread.sleep(2);
            sched.set(w.tid, SchedAttributes.other());
            long t0 = System.nanoTime();
            var r = ledger.repairIfLeaked();
            System.out.printf("BENCH zero-lag: repairIfLeaked %.0f ms after the switch: %s; counter vs before: %+d right after, ",
                    (System.nanoTime() - t0) / 1e6, r.method(), total() - base);
            Thread.sleep(1500);
            long late = total() - base;
            CpusetHierarchy.locate().orElseThrow().rebuilder().rebuild();
            System.out.printf("%+d (%.1f%% of a CPU) 1.5 s later; after one more rebuild %+d%n", late, late * 100.0 / (1 << 20),
                    total() - base);
        }
    }

    private String once(State st, Change ch) throws Exception {
        SchedAttributes dl = SchedAttributes.deadline(Reservation.of(Q, P));
        SchedAttributes target = ch == Change.HALF_RUNTIME ? SchedAttributes.deadline(Reservation.of(Q / 2, P)) : SchedAttributes.other();
        try (Worker w = new Worker()) {
            long base = total();
            switch (st) {
                case SLEEPING_LONG -> { // blocked before it became DEADLINE, and for two periods since
                    sched.set(w.tid, dl);
                    Thread.sleep(2 * P / 1_000_000 + 20);
                }
                case JUST_SLEPT -> { // woken as DEADLINE, ran 80% of its runtime, blocked 2 ms ago: 0-lag time ahead
                    sched.set(w.tid, dl);
                    w.spinThenBlock(Q * 8 / 10);
                    Thread.sleep(2);
                }
                case RUNNING -> {
                    sched.set(w.tid, dl);
                    w.spin();
                    Thread.sleep(P * 3 / 2 / 1_000_000);
                }
                case JUST_WOKEN -> { // blocked for two periods, then woken (it spins), and changed at once
                    w.block();
                    sched.set(w.tid, dl);
                    Thread.sleep(2 * P / 1_000_000);
                    w.wake();
                }
            }
            long held = total() - base;
            sched.set(w.tid, target);
            long t0 = System.nanoTime();
            StringBuilder sb = new StringBuilder(held == dl.bandwidth().kernelUnits() ? "" : "(held " + held + " before) ");
            for (long ms : AT_MS) {
                long wait = t0 + ms * 1_000_000 - System.nanoTime();
                if (wait > 0) Thread.sleep(wait / 1_000_000, (int) (wait % 1_000_000));
                long d = total() - base;
                sb.append(String.format(" %4dms:%-6s", ms, d == target.bandwidth().kernelUnits() ? "exact" : d == dl.bandwidth().kernelUnits() ? "old" : "d=" + d));
            }
            if (sched.get(w.tid).isDeadline()) sched.set(w.tid, SchedAttributes.other());
            long left = total() - base;
            if (left != 0) { // what the change left behind, rebuilt only now, long after any 0-lag time
                CpusetHierarchy.locate().orElseThrow().rebuilder().rebuild();
                sb.append("  left ").append(left).append(", rebuilt");
            }
            return sb.toString();
        }
    }

    private long total() { return ledger.readCounters().perCpu().values().iterator().next().totalBw().kernelUnits(); }

    /** A thread that blocks in {@code take()} until told what to do: block on a semaphore, spin, or spin then block. */
    private static final class Worker implements AutoCloseable {
        private final SynchronousQueue<Runnable> tasks = new SynchronousQueue<>();
        private final Semaphore wake = new Semaphore(0);
        private volatile boolean stop, spinning;
        private final Thread thread;
        final int tid;

        Worker() throws InterruptedException {
            int[] id = new int[1];
            CountDownLatch started = new CountDownLatch(1);
            thread = Thread.ofPlatform().daemon().start(() -> {
                id[0] = LinuxThreadScheduler.currentTid();
                started.countDown();
                try {
                    while (!stop) tasks.take().run();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            });
            started.await();
            tid = id[0];
            Thread.sleep(5); // blocked in take()
        }

        /** Blocks on the semaphore; after {@link #wake} it spins a quarter of the runtime, then blocks in take(). */
        void block() throws InterruptedException {
            tasks.put(() -> {
                wake.acquireUninterruptibly();
                spinFor(Q / 4);
            });
            Thread.sleep(5);
        }

        void wake() { wake.release(); }

        void spin() throws InterruptedException {
            spinning = true;
            tasks.put(() -> { while (spinning) Thread.onSpinWait(); });
        }

        void spinThenBlock(long ns) throws InterruptedException {
            CountDownLatch blocking = new CountDownLatch(1);
            tasks.put(() -> {
                spinFor(ns);
                blocking.countDown();
                wake.acquireUninterruptibly();
            });
            blocking.await();
        }

        private static void spinFor(long ns) {
            long end = System.nanoTime() + ns;
            while (System.nanoTime() < end) Thread.onSpinWait();
        }

        @Override
        public void close() throws InterruptedException {
            stop = true;
            spinning = false;
            wake.release(10);
            tasks.offer(() -> { }, 1, java.util.concurrent.TimeUnit.SECONDS);
            thread.join(10_000);
        }
    }
}
