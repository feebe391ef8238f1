package io.vmqos.core;

import java.util.List;

/**
 * What planning a host gave: the plan of the VMs admitted and the refusals of the others (sorted by VM name).
 * The caller applies the plan only when {@link #complete()} if it wants all-or-nothing.
 */
public record PlanResult(HostPlan plan, List<Refusal> refusals) {
    public PlanResult {
        refusals = List.copyOf(refusals);
    }

    /** True when every VM was admitted. */
    public boolean complete() { return refusals.isEmpty(); }
}
