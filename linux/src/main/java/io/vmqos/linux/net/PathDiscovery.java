package io.vmqos.linux.net;

import io.vmqos.core.net.NetDevice;
import io.vmqos.core.net.VmNetwork;

/**
 * Role: a VM's host network path, read-only: its taps (from the QEMU process's open files), tap → bridge → ports
 * and the far ends of veth ports, each device with its NAPI threads and IRQs. Implemented by
 * {@link SystemPathDiscovery}; fakes in tests. Thread-safe; every call is a fresh snapshot.
 */
public interface PathDiscovery {
    /**
     * The path of the VM whose QEMU process is {@code pid}; a VM without a tap has an empty network (no taps).
     *
     * @throws NetPathException the path cannot be read (a tap not on a bridge is not an error: its path is the tap)
     */
    VmNetwork discover(int pid, String vm);

    /** One device on its own (e.g. a host NIC of {@code host.nics}), with its NAPI threads and IRQs. */
    NetDevice device(String name, String ns);
}
