package io.vmqos.linux.net;

/**
 * Role: an IRQ's CPU affinity ({@code /proc/irq/N/smp_affinity_list}). Implemented by {@link Interrupts}; reconcile
 * steps are tested on fakes. Any thread; {@link #setAffinity} is idempotent.
 */
public interface IrqAffinity {
    /** The CPUs the IRQ may run on, e.g. {@code 0-1}, or "" when unreadable. */
    String affinity(int irq);

    /** Moves the IRQ onto {@code cpus}. @throws IrqAffinityException the kernel refused (a managed IRQ) */
    void setAffinity(int irq, String cpus);
}
