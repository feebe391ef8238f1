package io.vmqos.host.reconcile;

import io.vmqos.host.state.HostRecord;
import io.vmqos.linux.net.IrqAffinity;

/** An IRQ moved onto CPUs, recording its affinity before ({@code steer}), or put back on it. */
final class IrqStep implements Step {
    private final HostRecord.IrqEntry entry;
    private final boolean steer;
    private final IrqAffinity irqs;

    /** @param entry what the record holds (for {@code steer}: the entry to record, its {@code previous} read now) */
    IrqStep(HostRecord.IrqEntry entry, boolean steer, IrqAffinity irqs) {
        this.entry = entry;
        this.steer = steer;
        this.irqs = irqs;
    }

    @Override
    public String describe() {
        return steer ? "IRQ " + entry.irq() + " (" + entry.name() + ") onto CPUs " + entry.applied() + " from " + entry.previous()
                : "IRQ " + entry.irq() + " (" + entry.name() + ") back onto CPUs " + entry.previous();
    }

    @Override public HostRecord intend(HostRecord r) { return steer ? r.withIrq(entry) : r; }
    @Override public void apply() { irqs.setAffinity(entry.irq(), steer ? entry.applied() : entry.previous()); }
    @Override public HostRecord done(HostRecord r) { return steer ? r : r.withoutIrq(entry.irq()); }
    @Override public void undo() { irqs.setAffinity(entry.irq(), steer ? entry.previous() : entry.applied()); }
}
