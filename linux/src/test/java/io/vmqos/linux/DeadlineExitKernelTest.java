package io.vmqos.linux;

import io.vmqos.core.CpuList;
import io.vmqos.core.KernelLimits;
import io.vmqos.core.Reservation;
import io.vmqos.core.SchedAttributes;
import io.vmqos.testing.HostGuard;
import io.vmqos.testing.Root;
import io.vmqos.testing.TestThreads;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.util.HashMap;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * On the real kernel: leaving SCHED_DEADLINE through {@link DeadlineExit} frees the bandwidth from {@code total_bw} at
 * once, for threads that sleep (the leak case of a direct switch) and threads that run (the deferred case). The
 * counters are compared right before and right after; another tester changing reservations in between makes the
 * comparison retry.
 */
@ExtendWith(HostGuard.class)
class DeadlineExitKernelTest {
    private static final SchedAttributes DL = SchedAttributes.deadline(Reservation.of(2_000_000, 10_000_000));
    private final LinuxThreadScheduler sched = new LinuxThreadScheduler();
    private final DeadlineLedger ledger = new DeadlineLedger(sched);
    private final KernelLimits limits = new KernelParameters().limits();

    @BeforeEach
    void root() { Root.assumeDeadlineCapable(); }

    @Test
    void sleepingThreadsLeaveAtOnceAndLeakNothing() throws Exception {
        try (TestThreads t = TestThreads.sleeping(4)) {
            exitsAtOnce(t);
        }
    }

    @Test
    void runningThreadsLeaveAtOnceInsteadOfAtTheirZeroLagTime() throws Exception {
        try (TestThreads t = TestThreads.spinning(2)) {
            exitsAtOnce(t);
        }
    }

    private void exitsAtOnce(TestThreads t) throws Exception {
        for (int attempt = 0; ; attempt++) {
            for (int tid : t.tids()) sched.set(tid, DL);
            Thread.sleep(120); // sleepers block past their 0-lag time, spinners run into throttling
            DeadlineCounters before = ledger.readCounters();
            long pending = 0;
            for (int tid : t.tids()) pending = Math.max(pending, DeadlineExit.set(sched, tid, DL, SchedAttributes.other(), limits));
            DeadlineCounters after = ledger.readCounters();
            assertThat(pending).as("no release deferred").isZero();
            Map<Integer, Long> moved = new HashMap<>();
            for (int tid : t.tids()) moved.merge(before.oneGroup() ? -1 : cpuOf(tid), -DL.bandwidth().kernelUnits(), Long::sum);
            boolean exact = before.movedBy(after, moved, 0);
            if (exact || attempt == 2) {
                assertThat(exact).as("counter moved by exactly the threads' bandwidth: %s -> %s", before, after).isTrue();
                break;
            }
        }
        assertThat(ledger.read().leaked()).as("nothing left to repair").isFalse();
    }

    private static int cpuOf(int tid) {
        return new ProcFs().cpusAllowed(tid).map(l -> CpuList.parse(l).nextSetBit(0)).orElse(-1);
    }
}
