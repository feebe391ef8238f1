package io.vmqos.host;

import io.vmqos.core.CpuBandwidth;

/** Admission control refused a plan before any syscall; the host is unchanged. */
public final class PlanRefusedException extends RuntimeException {
    private final transient DomainBudget budget;
    private final CpuBandwidth requested;

    /**
     * @param budget the root domain that had no room, or null (a refusal of the plan itself)
     * @param requested the net growth the plan asked of it, or zero
     */
    public PlanRefusedException(String message, DomainBudget budget, CpuBandwidth requested) {
        super(message);
        this.budget = budget;
        this.requested = requested;
    }

    /** A refusal that is not about one root domain's room (e.g. two scopes wanting one thing differently). */
    public PlanRefusedException(String message) { this(message, null, CpuBandwidth.ZERO); }

    /** The root domain that had no room. */
    public DomainBudget budget() { return budget; }

    /** The net growth the plan asked of the root domain. */
    public CpuBandwidth requested() { return requested; }
}
