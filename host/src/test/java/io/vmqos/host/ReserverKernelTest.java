package io.vmqos.host;

import io.vmqos.core.CpuBandwidth;
import io.vmqos.core.KernelLimits;
import io.vmqos.core.Reservation;
import io.vmqos.core.SchedAttributes;
import io.vmqos.core.SchedPolicy;
import io.vmqos.core.ThreadChange;
import io.vmqos.linux.DeadlineLedger;
import io.vmqos.linux.KernelParameters;
import io.vmqos.linux.LedgerSnapshot;
import io.vmqos.linux.LinuxThreadScheduler;
import io.vmqos.linux.ProcFs;
import io.vmqos.linux.RootDomainLedger;
import io.vmqos.linux.ThreadScheduler;
import io.vmqos.testing.HostGuard;
import io.vmqos.testing.Root;
import io.vmqos.testing.TestThreads;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The transaction on the real kernel: real threads, the real ledger, real admission control. */
@ExtendWith(HostGuard.class)
class ReserverKernelTest {
    private final LinuxThreadScheduler sched = new LinuxThreadScheduler();
    private final ProcFs proc = new ProcFs();
    private final DeadlineLedger deadlineLedger = new DeadlineLedger(sched);
    private final KernelLedgerAccess ledger = new KernelLedgerAccess(deadlineLedger, proc);
    private final KernelLimits limits = new KernelParameters().limits();

    @BeforeEach
    void root() { Root.assumeDeadlineCapable(); }

    private Reserver reserver(LedgerAccess l) { return new Reserver(sched, l, limits, 0.10); }

    private static List<ThreadChange> plan(TestThreads t, String qp) {
        List<ThreadChange> c = new ArrayList<>();
        for (int tid : t.tids()) c.add(new ThreadChange(tid, SchedAttributes.deadline(Reservation.parse("t", qp)), "t" + tid));
        return c;
    }

    private Map<Integer, SchedAttributes> attrs(int[] tids) {
        Map<Integer, SchedAttributes> m = new HashMap<>();
        for (int tid : tids) m.put(tid, sched.get(tid));
        return m;
    }

    private long kernelTotal() {
        long t = 0;
        for (RootDomainLedger d : deadlineLedger.read().domains()) t += d.kernelTotal().kernelUnits();
        return t;
    }

    @Test
    void appliesReadsBackAndSecondApplyIsANoop() throws Exception {
        try (TestThreads t = TestThreads.spinning(4)) {
            List<ThreadChange> p = plan(t, "1ms/10ms");
            try {
                assertThat(reserver(ledger).apply(p).changed()).isEqualTo(4);
                for (int tid : t.tids()) assertThat(sched.get(tid).reservation()).isEqualTo(Reservation.parse("t", "1ms/10ms"));
                assertThat(reserver(ledger).apply(p).changed()).isZero();
            } finally {
                reserver(ledger).apply(release(t));
            }
        }
    }

    @Test
    void planAboveCapacityIsRefusedAndNoThreadChanges() throws Exception {
        try (TestThreads t = TestThreads.sleeping(30)) {
            Map<Integer, SchedAttributes> before = attrs(t.tids());
            assertThatThrownBy(() -> reserver(ledger).apply(plan(t, "1ms/10ms")))
                    .isInstanceOf(PlanRefusedException.class).hasMessageContaining("capacity");
            assertThat(attrs(t.tids())).isEqualTo(before);
        }
    }

    @Test
    void kernelRefusalMidwayLeavesEveryThreadExactlyAsBefore() throws Exception {
        // Another process fills the root domain after vmqos read the ledger: the kernel refuses midway.
        LedgerAccess stale = new StaleLedger(ledger.budgetFor((int) ProcessHandle.current().pid()), ledger);
        List<Process> fillers = new ArrayList<>();
        try (TestThreads t = TestThreads.sleeping(4)) {
            sched.set(t.tid(0), SchedAttributes.other(3));
            sched.set(t.tid(1), new SchedAttributes(SchedPolicy.BATCH, 0, -2, 0, 0, 0, 0));
            sched.set(t.tid(2), SchedAttributes.fifo(7));
            Map<Integer, SchedAttributes> before = attrs(t.tids());
            long free = ledgerFree();
            long want = Reservation.parse("t", "1ms/10ms").bandwidth().kernelUnits();
            // leave room for exactly one 10% reservation
            long fill = free - want - want / 2;
            while (fill > 0) {
                long chunk = Math.min(fill, CpuBandwidth.ofCpus(0.9).kernelUnits());
                fillers.add(deadlineSleeper(chunk));
                fill -= chunk;
            }
            assertThatThrownBy(() -> reserver(stale).apply(plan(t, "1ms/10ms")))
                    .isInstanceOf(TransactionFailedException.class)
                    .hasMessageContaining("admission control refused").hasMessageContaining("rolled back");
            Map<Integer, SchedAttributes> after = attrs(t.tids());
            for (int tid : t.tids()) {
                SchedAttributes b = before.get(tid), a = after.get(tid);
                assertThat(a.policy()).isEqualTo(b.policy());
                assertThat(a.priority()).isEqualTo(b.priority());
                assertThat(a.nice()).isEqualTo(b.nice());
                assertThat(a.requestFlags()).isEqualTo(b.requestFlags());
                assertThat(a.isDeadline()).isFalse();
            }
            sched.set(t.tid(2), SchedAttributes.other());
        } finally {
            for (Process p : fillers) { p.destroyForcibly(); p.waitFor(); }
            deadlineLedger.repairIfLeaked();
        }
    }

    @Test
    void threadExitingMidApplyIsAClearErrorAndTheRestRollBack() throws Exception {
        try (TestThreads t = TestThreads.sleeping(3)) {
            int victim = t.tid(1);
            ThreadScheduler killing = new ThreadScheduler() {
                @Override public SchedAttributes get(int tid) { return sched.get(tid); }
                @Override public void set(int tid, SchedAttributes a) {
                    if (tid == victim && a.isDeadline()) {
                        try {
                            t.stopOne(1);
                            for (int i = 0; i < 100 && proc.exists(victim); i++) Thread.sleep(20);
                        } catch (InterruptedException e) { Thread.currentThread().interrupt(); }
                    }
                    sched.set(tid, a);
                }
            };
            Reserver r = new Reserver(killing, ledger, limits, 0.10);
            assertThatThrownBy(() -> r.apply(plan(t, "1ms/10ms")))
                    .isInstanceOf(TransactionFailedException.class)
                    .hasMessageContaining("thread " + victim + " exited during the apply");
            assertThat(sched.get(t.tid(0)).policy()).isEqualTo(SchedPolicy.OTHER);
            assertThat(sched.get(t.tid(2)).policy()).isEqualTo(SchedPolicy.OTHER);
        }
    }

    @Test
    void thirtySleepingThreadsReservedAndReleasedLeaveTheCounterWhereItWas() throws Exception {
        long start = kernelTotal();
        boolean sawLeakRepaired = false;
        for (int batch = 0; batch < 6; batch++) { // 6 x 5 threads x 10%: 50% at a time
            try (TestThreads t = TestThreads.sleeping(5)) {
                reserver(ledger).apply(plan(t, "1ms/10ms"));
                ApplyReport rel = reserver(ledger).apply(release(t));
                sawLeakRepaired |= rel.repair().repaired();
                for (int tid : t.tids()) assertThat(sched.get(tid).policy()).isEqualTo(SchedPolicy.OTHER);
            }
        }
        long end = kernelTotal();
        System.out.printf("30 sleeping threads: kernel counter %s -> %s; leak repaired on release: %s%n",
                CpuBandwidth.ofKernelUnits(start).percent(), CpuBandwidth.ofKernelUnits(end).percent(), sawLeakRepaired);
        assertThat((double) Math.abs(end - start)).isLessThanOrEqualTo(CpuBandwidth.ONE_CPU.kernelUnits() * 0.01);
        try (TestThreads t = TestThreads.sleeping(1)) {
            reserver(ledger).apply(plan(t, "5ms/10ms"));
            reserver(ledger).apply(release(t));
        }
    }

    @Test
    void releaseOfSleepingAndRunningThreadsLeavesTheCounterExact() throws Exception {
        deadlineLedger.repairIfLeaked(); // start from an exact ledger even if another tester leaked
        try (TestThreads sleeping = TestThreads.sleeping(8); TestThreads spinning = TestThreads.spinning(2)) {
            List<ThreadChange> reserve = new ArrayList<>(plan(sleeping, "1ms/10ms")), back = new ArrayList<>(release(sleeping));
            reserve.addAll(plan(spinning, "1ms/10ms"));
            back.addAll(release(spinning));
            reserver(ledger).apply(reserve);
            Thread.sleep(100); // the sleepers block past their 0-lag time: the kernel leaks them, the release repairs that
            long t0 = System.nanoTime();
            ApplyReport rel = reserver(ledger).apply(back);
            System.out.printf("release of 8 sleepers and 2 spinners: %.1f ms, %s%n", (System.nanoTime() - t0) / 1e6, rel.repair());
            assertThat(rel.changed()).isEqualTo(10);
            assertThat(rel.repair().leakedAfter().isZero()).as("repaired: %s", rel.repair()).isTrue();
            LedgerSnapshot s = deadlineLedger.read();
            for (RootDomainLedger d : s.domains()) {
                assertThat(Math.abs(d.unaccounted().kernelUnits())).as("kernel counter = live threads + servers: " + d.describe())
                        .isLessThanOrEqualTo(d.defaultTolerance().kernelUnits());
            }
        }
    }

    @Test
    void rollbackLeavesTheCounterExact() throws Exception {
        deadlineLedger.repairIfLeaked();
        try (TestThreads t = TestThreads.sleeping(6)) {
            int last = t.tid(5);
            ThreadScheduler refusingLast = new ThreadScheduler() {
                @Override public SchedAttributes get(int tid) { return sched.get(tid); }
                @Override public void set(int tid, SchedAttributes a) {
                    if (tid == last && a.isDeadline()) throw new io.vmqos.linux.SchedException.AdmissionRefused(tid, "test: refused");
                    if (a.isDeadline()) sleepQuietly(20); // the threads changed first block past their 0-lag time meanwhile
                    sched.set(tid, a);
                }
            };
            TransactionFailedException e = org.assertj.core.api.Assertions.catchThrowableOfType(TransactionFailedException.class,
                    () -> new Reserver(refusingLast, ledger, limits, 0.10).apply(plan(t, "1ms/10ms")));
            assertThat(e.restored()).hasSize(5);
            assertThat(e.repair().leakedAfter().isZero()).as("repaired: %s", e.repair()).isTrue();
            for (int tid : t.tids()) assertThat(sched.get(tid).policy()).isEqualTo(SchedPolicy.OTHER);
            for (RootDomainLedger d : deadlineLedger.read().domains()) {
                assertThat(Math.abs(d.unaccounted().kernelUnits())).as(d.describe()).isLessThanOrEqualTo(d.defaultTolerance().kernelUnits());
            }
        }
    }

    private static void sleepQuietly(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static List<ThreadChange> release(TestThreads t) {
        List<ThreadChange> c = new ArrayList<>();
        for (int tid : t.tids()) c.add(new ThreadChange(tid, SchedAttributes.other(), ""));
        return c;
    }

    private long ledgerFree() {
        DomainBudget b = ledger.budgetFor((int) ProcessHandle.current().pid());
        return b.capacity().minus(b.kernelHeld()).kernelUnits();
    }

    /** A {@code sleep} process holding {@code bw} kernel units as SCHED_DEADLINE, set with chrt. */
    private static Process deadlineSleeper(long bw) throws Exception {
        long period = 100_000_000L;
        long runtime = Math.max(1024, (bw * period) >> CpuBandwidth.SHIFT);
        Process p = new ProcessBuilder("sleep", "120").start();
        Process c = new ProcessBuilder("chrt", "-d", "--sched-runtime", String.valueOf(runtime), "--sched-deadline",
                String.valueOf(period), "--sched-period", String.valueOf(period), "-p", "0", String.valueOf(p.pid()))
                .redirectErrorStream(true).start();
        String out = new String(c.getInputStream().readAllBytes());
        if (c.waitFor() != 0) { p.destroyForcibly(); throw new IllegalStateException("chrt failed: " + out); }
        return p;
    }

    /** A ledger whose budget was read before another process took the room: the race admission cannot see. */
    private record StaleLedger(DomainBudget budget, LedgerAccess real) implements LedgerAccess {
        @Override public DomainBudget budgetFor(int tid) { return budget; }
        @Override public LedgerRepair repairIfLeaked() { return real.repairIfLeaked(); }
    }
}
