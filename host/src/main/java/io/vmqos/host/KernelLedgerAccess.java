package io.vmqos.host;

import io.vmqos.core.CpuBandwidth;
import io.vmqos.linux.DeadlineLedger;
import io.vmqos.linux.LedgerSnapshot;
import io.vmqos.linux.ProcFs;
import io.vmqos.linux.RepairResult;
import io.vmqos.linux.RootDomainLedger;

import java.util.BitSet;

/**
 * {@link LedgerAccess} on the real kernel: budgets from {@link DeadlineLedger} (debugfs + procfs), the domain of a
 * thread from its CPU affinity. Each {@link #budgetFor} reads the ledger afresh. Called from the transaction's thread.
 */
public final class KernelLedgerAccess implements LedgerAccess {
    private final DeadlineLedger ledger;
    private final ProcFs proc;

    public KernelLedgerAccess(DeadlineLedger ledger, ProcFs proc) {
        this.ledger = ledger;
        this.proc = proc;
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
        // within rounding tolerance the kernel's counter is the truth; beyond it, live threads + servers are
        CpuBandwidth accounted = d.leaked(d.defaultTolerance()) ? d.serversTotal().plus(d.threadsTotal()) : d.kernelTotal();
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
