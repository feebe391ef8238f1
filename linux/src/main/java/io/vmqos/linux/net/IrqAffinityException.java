package io.vmqos.linux.net;

/**
 * The kernel refused an IRQ's new affinity ({@code /proc/irq/N/smp_affinity_list}): a managed IRQ (multi-queue
 * NICs spread their queue IRQs themselves, EIO), an IRQ that cannot leave its CPU, or CPUs that are offline.
 */
public final class IrqAffinityException extends NetException {
    private final int irq;

    public IrqAffinityException(int irq, String cpus, String reason, Throwable cause) {
        super("cannot move IRQ " + irq + " to CPUs " + cpus + ": " + reason,
                "leave its affinity alone (reserve without --steer-irqs), or pin the device's queues to those CPUs with its driver (ethtool -L / -X)", cause);
        this.irq = irq;
    }

    public int irq() { return irq; }
}
