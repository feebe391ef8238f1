package io.vmqos.bench;

import io.vmqos.core.Reservation;
import io.vmqos.core.SchedAttributes;
import io.vmqos.core.ThreadChange;
import io.vmqos.host.KernelLedgerAccess;
import io.vmqos.host.Reserver;
import io.vmqos.host.TransactionFailedException;
import io.vmqos.linux.DeadlineLedger;
import io.vmqos.linux.KernelParameters;
import io.vmqos.linux.LinuxThreadScheduler;
import io.vmqos.linux.ProcFs;
import io.vmqos.linux.SchedException;
import io.vmqos.linux.ThreadScheduler;
import io.vmqos.testing.HostGuard;
import io.vmqos.testing.Root;
import io.vmqos.testing.TestThreads;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Prints the median time to apply-and-verify a 16-thread plan, to release it, and to roll it back after the kernel
 * refuses its last thread, over 25 runs on real threads. Run with {@code scripts/bench.sh}; excluded from the
 * normal test run (tag {@code benchmark}); asserts nothing about speed.
 */
@Tag("benchmark")
@ExtendWith(HostGuard.class)
class ReserverBenchmark {
    private static final int THREADS = 16, RUNS = 25;

    @Test
    void applyVerifyAndRollBack16Threads() throws Exception {
        Root.assumeDeadlineCapable();
        LinuxThreadScheduler sched = new LinuxThreadScheduler();
        KernelLedgerAccess ledger = new KernelLedgerAccess(new DeadlineLedger(sched), new ProcFs());
        var limits = new KernelParameters().limits();
        long[] apply = new long[RUNS], release = new long[RUNS], rollback = new long[RUNS], failedTotal = new long[RUNS];
        try (TestThreads t = TestThreads.sleeping(THREADS)) {
            List<ThreadChange> plan = new ArrayList<>(), back = new ArrayList<>();
            for (int tid : t.tids()) {
                plan.add(new ThreadChange(tid, SchedAttributes.deadline(Reservation.parse("b", "500us/10ms")), ""));
                back.add(new ThreadChange(tid, SchedAttributes.other(), ""));
            }
            int last = t.tid(THREADS - 1);
            long[] failedAt = new long[1];
            ThreadScheduler refusingLast = new ThreadScheduler() {
                @Override public SchedAttributes get(int tid) { return sched.get(tid); }
                @Override public void set(int tid, SchedAttributes a) {
                    if (tid == last && a.isDeadline()) {
                        failedAt[0] = System.nanoTime();
                        throw new SchedException.AdmissionRefused(tid, "benchmark: refused on purpose");
                    }
                    sched.set(tid, a);
                }
            };
            Reserver real = new Reserver(sched, ledger, limits, 0.10);
            Reserver failing = new Reserver(refusingLast, ledger, limits, 0.10);
            for (int i = 0; i < RUNS; i++) {
                long t0 = System.nanoTime();
                real.apply(plan);
                long t1 = System.nanoTime();
                real.apply(back);
                long t2 = System.nanoTime();
                try {
                    failing.apply(plan);
                    throw new AssertionError("expected a refusal");
                } catch (TransactionFailedException expected) {
                    long t3 = System.nanoTime();
                    rollback[i] = t3 - failedAt[0];
                    failedTotal[i] = t3 - t2;
                }
                apply[i] = t1 - t0;
                release[i] = t2 - t1;
            }
        }
        System.out.printf("BENCH reserver: %d threads, %d runs: median apply+verify %.2f ms, release %.2f ms, "
                        + "rollback %.2f ms (whole failed apply %.2f ms)%n", THREADS, RUNS,
                median(apply), median(release), median(rollback), median(failedTotal));
    }

    private static double median(long[] ns) {
        long[] s = ns.clone();
        Arrays.sort(s);
        return s[s.length / 2] / 1e6;
    }
}
