package io.vmqos.host;

import io.vmqos.core.HostCapacity;
import io.vmqos.core.HostPlan;
import io.vmqos.core.vm.VmThreads;

import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The plan of a host configuration ({@link HostPlanning#plan}). Immutable.
 *
 * @param result the admitted VM plans and the refusals, as {@link io.vmqos.analysis.Planner} gives them
 * @param capacity what was planned on: root domains with what others hold (the planned VMs' own current
 *     reservations excluded), reserve and placement
 * @param unsized VMs planned from their explicit reservations only (no cost model, or no SLA): for them the
 *     stages' guaranteed rates, the delay bound and the backlog bound are not known and are -1; their stage
 *     latency is the reservation's own {@code P + D − 2(Q − overhead)}
 * @param found the VMs found running, by name (VMs not running are planned as new ones)
 * @param napiThreads per VM name, the NAPI/IRQ threads found on its path (discovered once, here, for apply too)
 * @param notes remarks for people (VMs not running, SLAs not checked, ...), in VM name order
 */
public record ConfigPlan(HostPlan result, HostCapacity capacity, Set<String> unsized, Map<String, VmThreads> found,
                         Map<String, List<Integer>> napiThreads, List<String> notes) {
    public ConfigPlan {
        napiThreads = Map.copyOf(napiThreads);
        unsized = Set.copyOf(unsized);
        found = Map.copyOf(found);
        notes = List.copyOf(notes);
    }

    /** True when every VM was admitted. */
    public boolean complete() { return result.complete(); }
}
