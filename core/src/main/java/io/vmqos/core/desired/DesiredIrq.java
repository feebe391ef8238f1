package io.vmqos.core.desired;

import java.util.List;

/**
 * An IRQ that must run on {@code cpus} (an {@code smp_affinity_list}, e.g. {@code 1}) so that its hard-irq work lands
 * on the CPUs of the reserved threads it wakes.
 */
public record DesiredIrq(int irq, String name, DeviceRef device, String cpus, List<String> vms) {
    public DesiredIrq {
        vms = List.copyOf(new java.util.TreeSet<>(vms));
    }
}
