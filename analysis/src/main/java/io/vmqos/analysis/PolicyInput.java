package io.vmqos.analysis;


import io.vmqos.core.CostModel;
import io.vmqos.core.config.HostConfig;
import io.vmqos.core.net.NetDevice;
import io.vmqos.core.observed.KernelFacts;
import io.vmqos.core.observed.ObservedVm;

import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * Everything {@link HostPolicy} decides from. Immutable.
 *
 * @param config the host configuration
 * @param costs the cost model the configuration names, if any
 * @param facts what the kernel shows (root domains, what they hold, limits)
 * @param running the configured VMs found running, by name; a VM absent is planned as a new one and gets no changes
 * @param hostNics the devices of {@code host.nics}, as discovered (they carry every VM's traffic)
 * @param frozen VMs to leave exactly as they are now: not planned, their current reservations counted as held by
 *     others (a VM refused after a change keeps its previous reservation)
 * @param hints what the agent knows besides (thread counts of domains not started yet, suspended reclaim)
 */
public record PolicyInput(HostConfig config, Optional<CostModel> costs, KernelFacts facts, Map<String, ObservedVm> running,
                          List<NetDevice> hostNics, Set<String> frozen, PlanHints hints) {
    public PolicyInput {
        hints = hints == null ? PlanHints.NONE : hints;
        running = Map.copyOf(running);
        hostNics = List.copyOf(hostNics);
        frozen = Set.copyOf(frozen);
    }

    /** No expected thread counts: a VM not running is planned with one thread per stage. */
    public PolicyInput(HostConfig config, Optional<CostModel> costs, KernelFacts facts, Map<String, ObservedVm> running,
                       List<NetDevice> hostNics, Set<String> frozen) {
        this(config, costs, facts, running, hostNics, frozen, PlanHints.NONE);
    }

    /** The same input with these VMs frozen too. */
    public PolicyInput freezing(Set<String> more) {
        java.util.Set<String> f = new java.util.TreeSet<>(frozen);
        f.addAll(more);
        return new PolicyInput(config, costs, facts, running, hostNics, f, hints);
    }
}
