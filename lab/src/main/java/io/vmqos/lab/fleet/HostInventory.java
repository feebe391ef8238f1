package io.vmqos.lab.fleet;

import io.vmqos.core.InvalidInputException;

import java.util.List;
import java.util.UUID;

/**
 * What one host publishes in Placement: a root provider (the compute node) with {@code VCPU} and {@code MEMORY_MB}, and
 * one child provider per root domain with {@code CUSTOM_VMQOS_DL_BANDWIDTH}. Immutable.
 *
 * @param name the host's name (the root provider's)
 * @param uuid the root provider's UUID
 * @param cpus its CPUs: the {@code VCPU} total
 * @param vcpuAllocationRatio {@code VCPU}'s allocation ratio (overcommit)
 * @param memoryMb the {@code MEMORY_MB} total
 * @param domains its root domains' deadline bandwidth, one child provider each
 */
public record HostInventory(String name, UUID uuid, int cpus, double vcpuAllocationRatio, long memoryMb, List<Domain> domains) {
    /**
     * One root domain's {@code CUSTOM_VMQOS_DL_BANDWIDTH}, in millionths of a CPU.
     *
     * @param totalMicroCpus the domain's deadline capacity
     * @param reservedMicroCpus what vmqos never gives a VM: the host reserve, the deadline servers, and (partitioned) the host's CPU
     * @param maxUnitMicroCpus the most one VM can get
     * @param partitioned planned with partitioned EDF (trait {@code CUSTOM_VMQOS_PARTITIONED})
     */
    public record Domain(String name, UUID uuid, long totalMicroCpus, long reservedMicroCpus, long maxUnitMicroCpus, boolean partitioned) {
        public Domain {
            if (reservedMicroCpus < 0 || reservedMicroCpus > totalMicroCpus) {
                throw new InvalidInputException("domain " + name + ".reserved", reservedMicroCpus + " is outside 0.." + totalMicroCpus, "reserve at most the total");
            }
            if (maxUnitMicroCpus < 1 || maxUnitMicroCpus > totalMicroCpus) {
                throw new InvalidInputException("domain " + name + ".maxUnit", maxUnitMicroCpus + " is outside 1.." + totalMicroCpus, "give at most the total");
            }
        }

        /** What VMs may be given in all: total − reserved. */
        public long usableMicroCpus() { return totalMicroCpus - reservedMicroCpus; }
    }

    public HostInventory {
        if (cpus < 1) throw new InvalidInputException("host " + name + ".cpus", "must be at least 1, got " + cpus, "give the host's CPUs");
        if (domains == null || domains.isEmpty()) throw new InvalidInputException("host " + name + ".domains", "is empty", "give at least one root domain");
        domains = List.copyOf(domains);
    }

    /** The VCPU capacity: cpus × allocation ratio, as Placement computes it. */
    public long vcpuCapacity() { return (long) Math.floor(cpus * vcpuAllocationRatio); }
}
