package io.vmqos.core;

import java.util.OptionalLong;

/**
 * Why a VM's SLA cannot be guaranteed, by how much it misses, and what would fit instead.
 *
 * @param vm the VM refused
 * @param constraint the first constraint that fails
 * @param needed what the VM needs, in {@link Constraint#unit() the constraint's unit}
 * @param available what the constraint allows, same unit; {@code needed - available} is the shortfall
 * @param largestRatePps the largest packet rate that would be admitted with the same burst and latency bound,
 *     if any rate would (found by bisection)
 * @param smallestLatencyBoundNs the smallest latency bound that would be admitted at the requested rate,
 *     if any would
 * @param message one line for people: the constraint, the numbers and the fix
 */
public record Refusal(String vm, Constraint constraint, long needed, long available,
                      OptionalLong largestRatePps, OptionalLong smallestLatencyBoundNs, String message) {

    /** The constraints a plan must meet. */
    public enum Constraint {
        /**
         * A stage cannot carry the rate: sized, it would need more than one CPU (a thread cannot run on two CPUs
         * at once); given explicitly, its reservation is smaller than the rate needs.
         */
        STAGE_RATE("2^-20 CPU"),
        /** No reservations within the kernel's limits meet the latency bound. */
        LATENCY_BOUND("ns"),
        /** Explicitly given reservations do not carry the rate or do not meet the latency bound. */
        EXPLICIT_RESERVATION("ns"),
        /** The kernel's admission test: the root domain's sum of Q/P would exceed its capacity less reserve. */
        ROOT_DOMAIN_BANDWIDTH("2^-20 CPU"),
        /** Partitioned EDF: no CPU has room for a stage's density Q/D. */
        CPU_DENSITY("2^-20 CPU"),
        /** Global EDF guarantee (GFB density test) would fail for the root domain. */
        GLOBAL_EDF_DENSITY("2^-20 CPU");

        private final String unit;

        Constraint(String unit) { this.unit = unit; }

        /** The unit of {@link Refusal#needed()} and {@link Refusal#available()}. */
        public String unit() { return unit; }
    }

    /** {@code needed - available}, in the constraint's unit. */
    public long shortfall() { return needed - available; }
}
