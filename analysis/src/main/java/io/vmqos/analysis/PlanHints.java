package io.vmqos.analysis;

import io.vmqos.core.StageKind;

import java.util.Map;
import java.util.Set;

/**
 * What the agent knows besides the configuration and the host, for {@link HostPolicy}. Immutable.
 *
 * @param expected for VMs not running, how many threads each stage will have (a libvirt domain's XML tells its vCPUs
 *     and iothreads before QEMU starts); a VM absent here, and not running, is planned with one thread per stage
 * @param reclaimSuspended threads of reclaiming VMs ({@code vms[].reclaim}) that took more than their ceiling: they
 *     keep their reservation without SCHED_FLAG_RECLAIM until the agent gives it back
 */
public record PlanHints(Map<String, Map<StageKind, Integer>> expected, Set<Integer> reclaimSuspended) {
    public static final PlanHints NONE = new PlanHints(Map.of(), Set.of());

    public PlanHints {
        expected = Map.copyOf(expected);
        reclaimSuspended = Set.copyOf(reclaimSuspended);
    }

    public PlanHints withExpected(Map<String, Map<StageKind, Integer>> e) { return new PlanHints(e, reclaimSuspended); }

    public PlanHints withReclaimSuspended(Set<Integer> s) { return new PlanHints(expected, s); }
}
