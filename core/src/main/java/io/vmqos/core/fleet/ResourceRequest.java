package io.vmqos.core.fleet;

import io.vmqos.core.InvalidInputException;

/**
 * What one VM asks of OpenStack Placement: reservable deadline bandwidth, vCPUs and memory. Immutable; 0 in a field
 * means "not asked".
 *
 * @param dlBandwidthMicroCpus {@link ResourceClasses#DL_BANDWIDTH} in millionths of one CPU (never less than the
 *     reservations it stands for: rounded up), {@code >= 0}
 * @param vcpus {@code VCPU}, {@code >= 0}
 * @param memoryMb {@code MEMORY_MB}, {@code >= 0}
 */
public record ResourceRequest(long dlBandwidthMicroCpus, int vcpus, long memoryMb) {
    public ResourceRequest {
        if (dlBandwidthMicroCpus < 0) throw new InvalidInputException("request.dlBandwidth", "is negative: " + dlBandwidthMicroCpus, "give 0 or more millionths of a CPU");
        if (vcpus < 0) throw new InvalidInputException("request.vcpus", "is negative: " + vcpus, "give 0 or more vCPUs");
        if (memoryMb < 0) throw new InvalidInputException("request.memoryMb", "is negative: " + memoryMb, "give 0 or more MB");
    }
}
