package io.vmqos.core.observed;

import io.vmqos.core.KernelLimits;

import java.util.List;

/**
 * What the kernel shows that the policy plans with: the root domains and what they hold, the real-time throttling
 * ratio that caps each CPU's deadline bandwidth, and the period limits. A snapshot; immutable.
 *
 * @param rtRuntimeNs {@code sched_rt_runtime_us} in ns (equal to the period when unlimited)
 * @param rtPeriodNs {@code sched_rt_period_us} in ns
 */
public record KernelFacts(List<DomainFacts> domains, KernelLimits limits, long rtRuntimeNs, long rtPeriodNs) {
    public KernelFacts {
        domains = List.copyOf(domains);
    }
}
