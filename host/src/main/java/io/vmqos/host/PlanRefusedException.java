package io.vmqos.host;

/** Admission control refused a plan before any syscall; the host is unchanged. */
public final class PlanRefusedException extends RuntimeException {
    private final transient DomainBudget budget;
    private final long requested;

    public PlanRefusedException(String message, DomainBudget budget, long requested) {
        super(message);
        this.budget = budget;
        this.requested = requested;
    }

    /** The root domain that had no room. */
    public DomainBudget budget() { return budget; }

    /** The net growth the plan asked of it, kernel fixed point. */
    public long requested() { return requested; }
}
