package io.vmqos.core.fleet;

import io.vmqos.core.CpuBandwidth;
import io.vmqos.core.InvalidInputException;

/**
 * What one VM asks of a fleet's Placement service: its deadline bandwidth and, when given, its vCPUs and memory.
 * Immutable; 0 means "not asked" for {@code vcpus} and {@code memoryMb}.
 *
 * @param dlBandwidthMicroCpus {@link ResourceClasses#DL_BANDWIDTH} in millionths of one CPU, {@code >= 0} (0: not asked; a placer refuses it)
 * @param vcpus {@link ResourceClasses#VCPU} asked, {@code >= 0} (0: not asked)
 * @param memoryMb {@link ResourceClasses#MEMORY_MB} asked, {@code >= 0} (0: not asked)
 */
public record ResourceRequest(long dlBandwidthMicroCpus, int vcpus, long memoryMb) {
    public ResourceRequest {
        if (dlBandwidthMicroCpus < 0) throw new InvalidInputException("request." + ResourceClasses.DL_BANDWIDTH, "must not be negative, got " + dlBandwidthMicroCpus, "size the VM from an SLA or give it reservations");
        if (vcpus < 0) throw new InvalidInputException("request.vcpus", "must not be negative, got " + vcpus, "give 0 (not asked) or more");
        if (memoryMb < 0) throw new InvalidInputException("request.memoryMb", "must not be negative, got " + memoryMb, "give 0 (not asked) or more MiB");
    }

    /**
     * The request for {@code bandwidth} (a VM's planned Q/P summed over its threads), rounded up to whole
     * millionths so that the claim never under-asks what the host admits.
     */
    public static ResourceRequest of(CpuBandwidth bandwidth, int vcpus, long memoryMb) {
        return new ResourceRequest(bandwidth.millionths(), vcpus, memoryMb);
    }
}
