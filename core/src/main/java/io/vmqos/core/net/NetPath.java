package io.vmqos.core.net;

import java.util.List;
import java.util.Optional;

/**
 * A VM's host-side network path: its tap, the bridge the tap is enslaved to, and the devices (tap, bridge, the
 * bridge's other ports: veth, physical NICs, bonds) each with its NAPI and IRQ threads.
 */
public record NetPath(String tap, String bridge, List<NetDevice> devices) {
    public NetPath {
        devices = List.copyOf(devices);
    }

    public Optional<NetDevice> device(String name) {
        return devices.stream().filter(d -> d.name().equals(name)).findFirst();
    }

    /** Every NAPI and IRQ thread on the path, in device order: the threads vmqos may reserve CPU for. */
    public List<KernelThread> packetThreads() {
        return devices.stream().flatMap(d -> d.packetThreads().stream()).distinct().toList();
    }
}
