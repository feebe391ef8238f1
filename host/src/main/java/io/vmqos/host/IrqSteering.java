package io.vmqos.host;

import io.vmqos.core.net.Irq;
import io.vmqos.core.net.NetDevice;
import io.vmqos.core.CpuList;
import io.vmqos.linux.net.Interrupts;

import java.util.BitSet;
import java.util.List;
import java.util.Set;

/**
 * Keeps a VM's path IRQs on the CPUs its reserved threads use: an IRQ allowed on CPUs outside them (another cpuset's
 * CPUs) is moved onto them, and put back later from its {@link PathState.IrqRecord}. Why: a NIC IRQ's hard-irq
 * handler, and its softirq when NAPI is not threaded, run on the CPU the IRQ lands on; outside the VM's CPUs that
 * work competes with whatever runs there, uncovered by any reservation. Used by {@link PathTransaction} on its thread.
 */
final class IrqSteering {
    private final Interrupts interrupts;

    IrqSteering(Interrupts interrupts) { this.interrupts = interrupts; }

    /**
     * Moves every IRQ of {@code devices} that may run outside {@code cpus} onto {@code cpus}, appending each move to
     * {@code moved} as soon as it is made (so that a failure midway can put back exactly those). IRQs in
     * {@code skip} (already moved by another VM) and IRQs whose affinity cannot be read are left alone; an IRQ seen
     * twice is moved once. Nothing happens when {@code cpus} is empty.
     *
     * @throws io.vmqos.linux.net.IrqAffinityException the kernel refused a move; earlier moves stay in {@code moved}
     */
    void steer(List<NetDevice> devices, BitSet cpus, Set<Integer> skip, List<PathState.IrqRecord> moved) {
        if (cpus.isEmpty()) return;
        String target = CpuList.format(cpus);
        Set<Integer> seen = new java.util.HashSet<>(skip);
        for (NetDevice d : devices) {
            for (Irq irq : d.irqs()) {
                if (irq.affinity().isEmpty() || !seen.add(irq.number())) continue;
                BitSet outside = CpuList.parse(irq.affinity());
                outside.andNot(cpus);
                if (outside.isEmpty()) continue;
                interrupts.setAffinity(irq.number(), target);
                moved.add(new PathState.IrqRecord(irq.number(), irq.name(), d.name(), d.ns(), irq.affinity(), target));
            }
        }
    }

    /** Puts an IRQ back on the CPUs it had before. Idempotent. */
    void putBack(PathState.IrqRecord r) { interrupts.setAffinity(r.irq(), r.previous()); }

    /** True when an irqbalance daemon runs: it may move steered IRQs back. */
    static boolean irqBalanceRunning() {
        return ProcessHandle.allProcesses().anyMatch(p -> p.info().command().map(c -> c.endsWith("/irqbalance")).orElse(false));
    }
}
