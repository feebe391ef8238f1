package io.vmqos.core.config;

import io.vmqos.core.InvalidInputException;

import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * A whole host configuration file: what the host offers and the VMs to plan. Immutable.
 *
 * @param host the host section (CPUs, placement, reserve, NICs)
 * @param costModelPath absolute path of the cost model file ({@code vmqos calibrate} writes it), resolved
 *     against the configuration file's directory; empty when every stage of every VM is given explicitly
 * @param overheadPerActivationNs CPU nanoseconds assumed lost per reservation period to wake-up and context switch
 *     (the sizer's per-activation overhead; default 5 µs)
 * @param vms the VMs, in file order, with distinct names; not empty
 * @param placement the OpenStack Placement service the agent publishes this host into, or empty
 */
public record HostConfig(HostSection host, Optional<String> costModelPath, long overheadPerActivationNs, List<VmConfig> vms,
                         Optional<PlacementSection> placement) {
    /** Default per-activation overhead allowance: 5 µs. */
    public static final long DEFAULT_OVERHEAD_NS = 5_000;

    public HostConfig {
        if (host == null) throw new InvalidInputException("host", "is missing", "give a host section or leave it out for defaults");
        costModelPath = costModelPath == null ? Optional.empty() : costModelPath;
        if (overheadPerActivationNs < 0) throw new InvalidInputException("overheadPerActivation", "must not be negative", "give e.g. 5us");
        // no VMs is a host vmqos holds nothing on (yet): the agent of a freshly installed package
        if (vms == null) throw new InvalidInputException("vms", "is missing", "list the VMs, or give vms: [] for none yet");
        Set<String> names = new HashSet<>();
        for (VmConfig vm : vms) {
            if (!names.add(vm.name())) throw new InvalidInputException("vms", "VM name '" + vm.name() + "' appears twice", "give each VM a distinct name");
        }
        vms = List.copyOf(vms);
        placement = placement == null ? Optional.empty() : placement;
    }

    /** A configuration that publishes into no Placement service. */
    public HostConfig(HostSection host, Optional<String> costModelPath, long overheadPerActivationNs, List<VmConfig> vms) {
        this(host, costModelPath, overheadPerActivationNs, vms, Optional.empty());
    }

    /** The VM with this name, or empty. */
    public Optional<VmConfig> vm(String name) {
        for (VmConfig v : vms) if (v.name().equals(name)) return Optional.of(v);
        return Optional.empty();
    }
}
