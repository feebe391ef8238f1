package io.vmqos.core.config;

import io.vmqos.core.InvalidInputException;

import java.util.Optional;

/**
 * A {@code vm.yaml}: one VM to place on a host of a fleet (format in README, "Flavors and the fleet simulation"). Immutable.
 *
 * @param vm the VM, as a {@code vms[]} entry of host.yaml reads (its locator is its libvirt domain, {@code name}: the VM is
 *     not on a host yet)
 * @param costModelPath absolute path of the cost model its SLA is sized with; empty when its reservations are all given
 * @param vcpus its vCPU count: each vCPU thread gets the vcpu stage's reservation, and the placement request asks for as
 *     many {@code VCPU}; 0 when not given (sized as one vCPU thread, no {@code VCPU} asked)
 * @param memoryMb its memory, asked as {@code MEMORY_MB}; 0 when not given (none asked)
 */
public record VmFile(VmConfig vm, Optional<String> costModelPath, int vcpus, long memoryMb) {
    public VmFile {
        if (vm == null) throw new InvalidInputException("vm", "is missing", "give the VM");
        costModelPath = costModelPath == null ? Optional.empty() : costModelPath;
        if (vcpus < 0) throw new InvalidInputException("vcpus", "is negative: " + vcpus, "give 1 or more, or leave vcpus out");
        if (memoryMb < 0) throw new InvalidInputException("memoryMb", "is negative: " + memoryMb, "give 1 or more MB, or leave memoryMb out");
    }

    /** How many vCPU threads sizing counts: {@link #vcpus()}, at least one. */
    public int vcpuThreads() { return Math.max(1, vcpus); }
}
