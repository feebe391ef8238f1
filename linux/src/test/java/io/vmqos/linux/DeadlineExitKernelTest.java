package io.vmqos.linux;

import io.vmqos.core.Reservation;
import io.vmqos.core.SchedAttributes;
import io.vmqos.testing.HostGuard;
import io.vmqos.testing.Root;
import io.vmqos.testing.TestThreads;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;


import static org.assertj.core.api.Assertions.assertThat;

/**
 * On the real kernel: leaving SCHED_DEADLINE through {@link DeadlineExit} frees the bandwidth from {@code total_bw} by
 * the exit's pending time, or leaves a leak that a rebuild repairs; and a thread put back after its cool-down
 * ({@link DeadlineCooldowns}) keeps running. Another tester changing reservations meanwhile shows as a leak repaired.
 */
@ExtendWith(HostGuard.class)
class DeadlineExitKernelTest {
    private static final SchedAttributes DL = SchedAttributes.deadline(Reservation.of(2_000_000, 10_000_000));
    private final LinuxThreadScheduler sched = new LinuxThreadScheduler();
    private final DeadlineLedger ledger = new DeadlineLedger(sched);

    @BeforeEach
    void root() { Root.assumeDeadlineCapable(); }

    /** Sleepers switched directly leak (no inactive timer armed): once the bound passed, one rebuild makes it exact. */
    @Test
    void sleepersLeaveByThePendingTimeOrARebuildRepairsThem() throws Exception {
        try (TestThreads t = TestThreads.sleeping(4)) {
            long base = counterTotal();
            for (int tid : t.tids()) sched.set(tid, DL);
            Thread.sleep(120); // they block past their 0-lag time
            long pending = 0;
            for (int tid : t.tids()) pending = Math.max(pending, DeadlineExit.set(sched, tid, DL, SchedAttributes.other()).pendingNs());
            Thread.sleep(pending / 1_000_000 + 1);
            ledger.repairIfLeaked();
            assertThat(counterTotal()).as("exact once the bound passed and the leak was repaired").isEqualTo(base);
        }
        assertThat(ledger.read().leaked()).as("nothing left to repair").isFalse();
    }

    /**
     * The kernel freezes a thread that re-enters DEADLINE before the 0-lag time of its exit (runnable, never run again):
     * a spinner taken out and put back 20 times, as a partition move does, through {@link DeadlineExit} and
     * {@link DeadlineCooldowns}, keeps running every time; and the counter is back once the exit's pending time passed.
     */
    @Test
    void aRunningThreadTakenOutAndPutBackKeepsRunning() throws Exception {
        ProcFs proc = new ProcFs();
        try (TestThreads t = TestThreads.spinning(1)) {
            int tid = t.tid(0);
            long base = counterTotal();
            for (int i = 0; i < 20; i++) {
                DeadlineCooldowns.awaitReentry(tid);
                sched.set(tid, DL);
                Thread.sleep(30); // runs into throttling
                long cpu0 = proc.cpuTimeNs(tid);
                Thread.sleep(100);
                assertThat(proc.cpuTimeNs(tid) - cpu0).as("cycle %d: the reserved spinner runs", i).isPositive();
                DeadlineExit.Exit exit = DeadlineExit.set(sched, tid, DL, SchedAttributes.other());
                assertThat(exit.cooldownNs()).as("it waits out its 0-lag time").isPositive();
                DeadlineCooldowns.left(tid, exit.cooldownNs());
                if (i == 19) {
                    Thread.sleep(exit.pendingNs() / 1_000_000 + 1);
                    assertThat(counterTotal()).as("a running thread's bandwidth left the counter by its 0-lag time").isEqualTo(base);
                }
            }
        }
        assertThat(ledger.read().leaked()).as("nothing left to repair").isFalse();
    }

    /** The same for threads that sleep and wake every 2 ms (a VM's), each round's leak repaired as the Reserver does. */
    @Test
    void periodicThreadsTakenOutAndPutBackKeepWorking() throws Exception {
        try (TestThreads t = TestThreads.periodic(3)) {
            for (int i = 0; i < 30; i++) {
                for (int k = 0; k < t.size(); k++) {
                    DeadlineCooldowns.awaitReentry(t.tid(k));
                    sched.set(t.tid(k), DL);
                }
                Thread.sleep(20);
                long[] before = new long[t.size()];
                for (int k = 0; k < t.size(); k++) before[k] = t.rounds(k);
                Thread.sleep(100);
                long pending = 0;
                for (int k = 0; k < t.size(); k++) {
                    assertThat(t.rounds(k) - before[k]).as("cycle %d: thread %d works under its reservation", i, k).isGreaterThan(5);
                    DeadlineExit.Exit exit = DeadlineExit.set(sched, t.tid(k), DL, SchedAttributes.other());
                    DeadlineCooldowns.left(t.tid(k), exit.cooldownNs());
                    pending = Math.max(pending, exit.pendingNs());
                }
                if (i % 3 == 2) { // put back at once twice (the cool-down waited out), then the leak repaired
                    Thread.sleep(pending / 1_000_000 + 1);
                    ledger.repairIfLeaked();
                }
            }
        }
        ledger.repairIfLeaked();
        assertThat(ledger.read().leaked()).as("nothing left to repair").isFalse();
    }

    private long counterTotal() {
        return ledger.readCounters().perCpu().values().iterator().next().totalBw().kernelUnits();
    }
}
