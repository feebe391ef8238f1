package io.vmqos.core.net;

import java.util.List;

/**
 * One device on a VM's host network path, as discovered (by the linux adapter): its name and kind, its namespace
 * ({@code null} = the caller's), whether threaded NAPI is on, its {@code napi/} kernel threads and its IRQs.
 */
public record NetDevice(String name, DeviceKind kind, String ns, boolean threadedNapi,
                        List<KernelThread> napiThreads, List<Irq> irqs) {
    public NetDevice {
        napiThreads = List.copyOf(napiThreads);
        irqs = List.copyOf(irqs);
    }

    /** All kernel threads that carry this device's packets: NAPI threads and IRQ threads. */
    public List<KernelThread> packetThreads() {
        var all = new java.util.ArrayList<>(napiThreads);
        for (Irq irq : irqs) irq.thread().ifPresent(all::add);
        return List.copyOf(all);
    }
}
