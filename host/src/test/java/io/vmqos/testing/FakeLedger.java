package io.vmqos.testing;

import io.vmqos.core.Bandwidth;
import io.vmqos.host.DomainBudget;
import io.vmqos.host.LedgerAccess;
import io.vmqos.host.LedgerRepair;

/** A one-domain ledger with fixed figures; counts repairs. */
public final class FakeLedger implements LedgerAccess {
    public long capacity = Bandwidth.ofCpus(1.9);
    public long held = 0;
    public long leaked = 0;
    public int repairs = 0;

    @Override
    public DomainBudget budgetFor(int tid) { return new DomainBudget("0-1", capacity, held + leaked, held); }

    @Override
    public LedgerRepair repairIfLeaked() {
        if (leaked == 0) return LedgerRepair.NOTHING;
        long before = leaked;
        leaked = 0;
        repairs++;
        return new LedgerRepair(before, 0, true, "fake");
    }
}
