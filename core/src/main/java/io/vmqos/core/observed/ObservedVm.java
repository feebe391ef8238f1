package io.vmqos.core.observed;

import io.vmqos.core.net.VmNetwork;
import io.vmqos.core.vm.VmThreads;

import java.util.BitSet;

/**
 * A running VM as discovery found it: its QEMU threads by role, its network path (taps, tap → bridge → ports, veth
 * peers, with their NAPI threads and IRQs), the CPUs its threads may run on, and its QEMU process's start time.
 *
 * @param allowedCpus the union of its threads' {@code Cpus_allowed_list} (its cpuset)
 * @param startTime the QEMU process's start time in clock ticks since boot, to tell a restarted VM (new pid) and a
 *     reused pid apart
 */
public record ObservedVm(String name, VmThreads threads, VmNetwork network, BitSet allowedCpus, long startTime) {
    public ObservedVm {
        allowedCpus = (BitSet) allowedCpus.clone();
    }

    @Override public BitSet allowedCpus() { return (BitSet) allowedCpus.clone(); }
}
