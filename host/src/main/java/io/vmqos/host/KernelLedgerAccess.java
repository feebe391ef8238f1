package io.vmqos.host;

import io.vmqos.core.CpuBandwidth;
import io.vmqos.linux.DeadlineLedger;
import io.vmqos.linux.DeadlineCounters;
import io.vmqos.linux.InactiveTimers;
import io.vmqos.linux.LedgerSnapshot;
import io.vmqos.linux.ProcFs;
import io.vmqos.linux.RepairResult;
import io.vmqos.linux.RootDomainLedger;

import java.time.Duration;
import java.util.BitSet;
import java.util.Collection;
import java.util.HashMap;
import java.util.Map;

/**
 * {@link LedgerAccess} on the real kernel: budgets from {@link DeadlineLedger} (debugfs + procfs), the domain of a
 * thread from its CPU affinity. Each {@link #budgetFor} reads the ledger afresh; {@link #mark} and {@link #verify}
 * read only the counters ({@link DeadlineLedger#readCounters}: one {@code sched/debug} read). Called from the transaction's
 * thread.
 */
public final class KernelLedgerAccess implements LedgerAccess {
    /** How late after its expiry an hrtimer's callback may run (softirq, a busy CPU). */
    private static final long TIMER_SLACK_NS = 200_000;

    private final DeadlineLedger ledger;
    private final ProcFs proc;
    private final InactiveTimers timers;

    public KernelLedgerAccess(DeadlineLedger ledger, ProcFs proc) {
        this(ledger, proc, new InactiveTimers());
    }

    KernelLedgerAccess(DeadlineLedger ledger, ProcFs proc, InactiveTimers timers) {
        this.ledger = ledger;
        this.proc = proc;
        this.timers = timers;
    }

    @Override
    public DomainBudget budgetFor(int tid) {
        return budgetIn(ledger.read(), tid);
    }

    @Override
    public java.util.Map<Integer, DomainBudget> budgetsFor(java.util.Collection<Integer> tids) {
        LedgerSnapshot s = ledger.read();
        java.util.Map<Integer, DomainBudget> m = new java.util.HashMap<>();
        for (int tid : tids) m.put(tid, budgetIn(s, tid));
        return m;
    }

    private DomainBudget budgetIn(LedgerSnapshot s, int tid) {
        int cpu = firstAllowedCpu(tid);
        RootDomainLedger d = s.domains().getFirst();
        if (cpu >= 0) {
            try {
                d = s.domainOf(cpu);
            } catch (IllegalArgumentException offline) {
                // CPU not in any domain (offline meanwhile): the first domain is the best guess
            }
        }
        CpuBandwidth cap = d.unlimited() ? CpuBandwidth.ONE_CPU.times(d.cpus().size()) : d.capacity();
        CpuBandwidth accounted = d.held();
        return new DomainBudget(d.cpuList(), cap, d.kernelTotal(), accounted);
    }

    @Override
    public LedgerRepair repairIfLeaked() {
        RepairResult r = ledger.repairIfLeaked();
        CpuBandwidth before = leaked(r.before()), after = leaked(r.after());
        boolean did = !"none".equals(r.method());
        if (!r.success()) {
            throw new IllegalStateException("the kernel's deadline ledger still holds " + after.percent()
                    + " of a CPU that no thread accounts for after " + r.method() + "; see: vmqos doctor");
        }
        return did ? new LedgerRepair(before, after, true, r.method()) : LedgerRepair.NOTHING;
    }

    /** The counters, and a CPU of each thread's root domain when the CPUs print several counters (-1: unknown). */
    private record KernelMark(DeadlineCounters counters, Map<Integer, Integer> cpuOf) implements LedgerMark {}

    @Override
    public LedgerMark mark(Collection<Integer> tids) {
        DeadlineCounters c = ledger.readCounters();
        Map<Integer, Integer> cpuOf = new HashMap<>();
        for (int tid : tids) cpuOf.put(tid, c.oneGroup() ? -1 : firstAllowedCpu(tid));
        return new KernelMark(c, cpuOf);
    }

    /**
     * One counter read when the change is counted already (entering DEADLINE, changing it, a thread whose 0-lag time had
     * passed). Otherwise the exits' inactive timers, if armed, fire by the last one {@code /proc/timer_list} lists within
     * {@code pendingUpTo} (without it: by {@code pendingUpTo}); once they have, what the counter still holds of the
     * exits leaked for good (a sleeping thread's), and one root-domain rebuild repairs it without counting a thread
     * out twice. Only a rebuild that does not make the counter exact earns the full check of every thread.
     */
    @Override
    public LedgerRepair verify(LedgerMark mark, Map<Integer, Long> moved, Duration pendingUpTo) {
        if (!(mark instanceof KernelMark m)) return repairIfLeaked();
        Map<Integer, Long> byCpu = new HashMap<>();
        for (Map.Entry<Integer, Long> e : moved.entrySet()) byCpu.merge(m.cpuOf().getOrDefault(e.getKey(), -1), e.getValue(), Long::sum);
        long tolerance = RootDomainLedger.TOLERANCE_PER_ENTITY.kernelUnits() * Math.max(1, moved.size());
        long bound = pendingUpTo.toNanos();
        long wait = bound <= 0 ? 0 : Math.min(bound, timers.lastFiresInNs(bound).orElse(bound));
        long until = System.nanoTime() + wait + (wait > 0 ? TIMER_SLACK_NS : 0);
        DeadlineCounters now = ledger.readCounters();
        for (long pause = 200_000; !m.counters().movedBy(now, byCpu, tolerance); pause = Math.min(2 * pause, 10_000_000)) {
            long left = until - System.nanoTime();
            if (left <= 0) break;
            try {
                Thread.sleep(Duration.ofNanos(Math.min(pause, left)));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return repairIfLeaked();
            }
            now = ledger.readCounters();
        }
        if (m.counters().movedBy(now, byCpu, tolerance)) return LedgerRepair.NOTHING;
        long excess = m.counters().excessOver(now, byCpu);
        if (excess > tolerance) { // the exits' leak (or another program's change meanwhile): recount, then check once
            String method = ledger.rebuild();
            if (m.counters().movedBy(ledger.readCounters(), byCpu, tolerance)) {
                return new LedgerRepair(CpuBandwidth.ofKernelUnits(excess), CpuBandwidth.ZERO, true, method);
            }
        }
        // not what the change explains: another program changed reservations meanwhile, or an under-count: check it all
        return repairIfLeaked();
    }

    private static CpuBandwidth leaked(LedgerSnapshot s) {
        CpuBandwidth sum = CpuBandwidth.ZERO;
        for (RootDomainLedger d : s.domains()) if (d.leaked(d.defaultTolerance())) sum = sum.plus(d.unaccounted().max(CpuBandwidth.ZERO));
        return sum;
    }

    private int firstAllowedCpu(int tid) {
        return proc.cpusAllowed(tid).map(KernelLedgerAccess::first).orElse(-1);
    }

    static int first(String list) {
        BitSet b = new BitSet();
        for (String part : list.split(",")) {
            String p = part.strip();
            if (p.isEmpty()) continue;
            int dash = p.indexOf('-');
            if (dash < 0) b.set(Integer.parseInt(p));
            else b.set(Integer.parseInt(p.substring(0, dash)), Integer.parseInt(p.substring(dash + 1)) + 1);
        }
        return b.nextSetBit(0);
    }
}
