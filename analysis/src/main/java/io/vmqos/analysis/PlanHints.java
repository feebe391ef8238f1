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
 * @param budgets threads of adaptive VMs ({@code vms[].adaptive}): the runtime (ns) the agent's feedback loop asks for
 *     each, which the policy grants within the thread's floor and ceiling and the headroom ({@link BudgetFit})
 * @param costModels VMs' own cost models ({@code vms[].costModel}, fitted on their own traffic), by VM name: such a VM
 *     is sized with its own instead of the host's
 */
public record PlanHints(Map<String, Map<StageKind, Integer>> expected, Set<Integer> reclaimSuspended, Map<Integer, Long> budgets,
                        Map<String, io.vmqos.core.CostModel> costModels) {
    public static final PlanHints NONE = new PlanHints(Map.of(), Set.of(), Map.of(), Map.of());

    public PlanHints {
        expected = Map.copyOf(expected);
        reclaimSuspended = Set.copyOf(reclaimSuspended);
        budgets = Map.copyOf(budgets);
        costModels = Map.copyOf(costModels);
    }

    public PlanHints withExpected(Map<String, Map<StageKind, Integer>> e) { return new PlanHints(e, reclaimSuspended, budgets, costModels); }

    public PlanHints withReclaimSuspended(Set<Integer> s) { return new PlanHints(expected, s, budgets, costModels); }

    public PlanHints withBudgets(Map<Integer, Long> b) { return new PlanHints(expected, reclaimSuspended, b, costModels); }

    public PlanHints withCostModels(Map<String, io.vmqos.core.CostModel> c) { return new PlanHints(expected, reclaimSuspended, budgets, c); }
}
