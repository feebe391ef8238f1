package io.vmqos.bench;

import io.vmqos.core.Reservation;
import io.vmqos.core.SchedAttributes;
import io.vmqos.core.ThreadChange;
import io.vmqos.host.KernelLedgerAccess;
import io.vmqos.host.Reserver;
import io.vmqos.host.TransactionFailedException;
import io.vmqos.linux.CpusetHierarchy;
import io.vmqos.linux.DeadlineLedger;
import io.vmqos.linux.DeadlineThreadWalker;
import io.vmqos.linux.DebugFs;
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
 * refuses its last thread (median and max), over 25 runs (after 10 untimed ones) on real sleeping threads, whether any release left the
 * kernel's ledger leaked, and what the ledger's parts cost on this machine. Run with {@code scripts/bench.sh}; excluded
 * from the normal test run (tag {@code benchmark}); asserts nothing about speed.
 */
@Tag("benchmark")
@ExtendWith(HostGuard.class)
class ReserverBenchmark {
    private static final int THREADS = 16, RUNS = 25, WARMUP = 10;

    @Test
    void applyVerifyAndRollBack16Threads() throws Exception {
        Root.assumeDeadlineCapable();
        LinuxThreadScheduler sched = new LinuxThreadScheduler();
        DeadlineLedger deadlineLedger = new DeadlineLedger(sched);
        KernelLedgerAccess ledger = new KernelLedgerAccess(deadlineLedger, new ProcFs());
        int leaks = 0;
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
            for (int w = 0; w < WARMUP; w++) { // untimed: let the JIT compile the paths before they are timed
                real.apply(plan);
                real.apply(back);
                try { failing.apply(plan); } catch (TransactionFailedException expected) { }
            }
            for (int i = 0; i < RUNS; i++) {
                idle();
                long t0 = System.nanoTime();
                real.apply(plan);
                apply[i] = System.nanoTime() - t0;
                idle();
                long t1 = System.nanoTime();
                real.apply(back);
                release[i] = System.nanoTime() - t1;
                idle();
                long t2 = System.nanoTime();
                try {
                    failing.apply(plan);
                    throw new AssertionError("expected a refusal");
                } catch (TransactionFailedException expected) {
                    long t3 = System.nanoTime();
                    rollback[i] = t3 - failedAt[0];
                    failedTotal[i] = t3 - t2;
                }
                if (deadlineLedger.read().leaked()) leaks++; // untimed: did the release or the rollback leave a leak behind?
            }
        }
        System.out.printf("BENCH reserver: %d threads, %d runs: median apply+verify %.2f ms, release %.2f ms (max %.2f), "
                        + "rollback %.2f ms (max %.2f) (whole failed apply %.2f ms); ledger leaked after %d of %d runs%n",
                THREADS, RUNS, median(apply), median(release), max(release), median(rollback), max(rollback), median(failedTotal),
                leaks, RUNS);
        printLedgerCosts(sched, deadlineLedger);
    }

    /**
     * The parts a ledger check is made of, each timed alone (median of 25; of 5 rebuilds: a rebuild while another
     * program's released thread still awaits its 0-lag time counts that thread out twice).
     */
    private static void printLedgerCosts(LinuxThreadScheduler sched, DeadlineLedger deadlineLedger) {
        DebugFs debugFs = new DebugFs();
        DeadlineThreadWalker walker = new DeadlineThreadWalker(sched);
        var rebuilder = CpusetHierarchy.locate().map(CpusetHierarchy::rebuilder);
        System.out.printf("BENCH ledger parts (medians): one sched/debug read %.2f ms, counters only (readCounters) %.2f ms, "
                        + "one procfs walk %.2f ms, whole ledger read (readOnce) %.2f ms, one root-domain rebuild %s%n",
                median(time(RUNS, debugFs::readSchedDebug)), median(time(RUNS, deadlineLedger::readCounters)),
                median(time(RUNS, walker::walk)), median(time(RUNS, deadlineLedger::readOnce)),
                rebuilder.map(r -> String.format("%.2f ms", median(time(5, r::rebuild)))).orElse("n/a (no cpuset controller)"));
    }

    private static long[] time(int n, Runnable r) {
        long[] ns = new long[n];
        for (int i = 0; i < n; i++) {
            long t0 = System.nanoTime();
            r.run();
            ns[i] = System.nanoTime() - t0;
        }
        return ns;
    }

    /**
     * Each timed operation starts after 20 ms idle, as an agent's release when a VM stops does: in a tight loop on a
     * loaded machine an operation would compete for the CPU with the work of the one before it.
     */
    private static void idle() throws InterruptedException { Thread.sleep(20); }

    private static double median(long[] ns) {
        long[] s = ns.clone();
        Arrays.sort(s);
        return s[s.length / 2] / 1e6;
    }

    private static double max(long[] ns) { return Arrays.stream(ns).max().orElse(0) / 1e6; }
}
