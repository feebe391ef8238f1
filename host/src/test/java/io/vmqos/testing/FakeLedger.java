package io.vmqos.testing;

import io.vmqos.core.CpuBandwidth;
import io.vmqos.host.DomainBudget;
import io.vmqos.host.LedgerAccess;
import io.vmqos.host.LedgerRepair;

/** A one-domain ledger with fixed figures; counts repairs. */
public final class FakeLedger implements LedgerAccess {
    public CpuBandwidth capacity = CpuBandwidth.ofCpus(1.9);
    public CpuBandwidth held = CpuBandwidth.ZERO;
    public CpuBandwidth leaked = CpuBandwidth.ZERO;
    public int repairs = 0;

    @Override
    public DomainBudget budgetFor(int tid) { return new DomainBudget("0-1", capacity, held.plus(leaked), held); }

    @Override
    public LedgerRepair repairIfLeaked() {
        if (leaked.isZero()) return LedgerRepair.NOTHING;
        CpuBandwidth before = leaked;
        leaked = CpuBandwidth.ZERO;
        repairs++;
        return new LedgerRepair(before, CpuBandwidth.ZERO, true, "fake");
    }
}
