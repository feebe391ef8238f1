package io.vmqos.core;

import java.util.OptionalLong;

/**
 * Why a VM's SLA cannot be guaranteed, by how much it misses, and what would fit instead.
 *
 * @param vm the VM refused
 * @param constraint the first constraint that fails
 * @param shortfall what the VM needs and what the constraint allows: a {@link BandwidthShortfall} or a
 *     {@link LatencyShortfall}, as {@link Constraint#latency() the constraint} measures
 * @param largestRatePps the largest packet rate that would be admitted with the same burst and latency bound,
 *     if any rate would (found by bisection)
 * @param smallestLatencyBoundNs the smallest latency bound that would be admitted at the requested rate,
 *     if any would
 * @param message one line for people: the constraint, the numbers and the fix
 */
public record Refusal(String vm, Constraint constraint, Shortfall shortfall,
                      OptionalLong largestRatePps, OptionalLong smallestLatencyBoundNs, String message) {

    public Refusal {
        if (constraint == null || shortfall == null) throw new IllegalArgumentException("constraint and shortfall are required");
        if (constraint.latency() != (shortfall instanceof LatencyShortfall)) {
            throw new IllegalArgumentException(constraint + " is measured in " + constraint.unit() + ", not by a " + shortfall.getClass().getSimpleName());
        }
    }

    /** What the VM needs and what a constraint allows: a bandwidth or a latency, as the constraint measures. */
    public sealed interface Shortfall permits BandwidthShortfall, LatencyShortfall {
        /** True when the need exceeds what is available. */
        boolean isPositive();
    }

    /**
     * A bandwidth constraint's numbers.
     *
     * @param needed the bandwidth (or density) the VM needs
     * @param available the bandwidth the constraint allows
     */
    public record BandwidthShortfall(CpuBandwidth needed, CpuBandwidth available) implements Shortfall {
        /** {@code needed − available}: how much bandwidth is missing. */
        public CpuBandwidth missing() { return needed.minus(available); }

        @Override
        public boolean isPositive() { return needed.exceeds(available); }
    }

    /**
     * A latency constraint's numbers.
     *
     * @param neededNs the latency bound the VM needs met, in ns; {@link Long#MAX_VALUE} when no bound is met
     * @param availableNs the latency bound the constraint allows (the SLA's), in ns
     */
    public record LatencyShortfall(long neededNs, long availableNs) implements Shortfall {
        /** {@code neededNs − availableNs}: by how much the bound is missed, in ns. */
        public long missingNs() { return neededNs - availableNs; }

        @Override
        public boolean isPositive() { return neededNs > availableNs; }
    }

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

        /** The unit the constraint measures in: {@code 2^-20 CPU} (a {@link BandwidthShortfall}) or {@code ns}. */
        public String unit() { return unit; }

        /** True when the constraint measures a latency ({@link LatencyShortfall}), false for a bandwidth. */
        public boolean latency() { return unit.equals("ns"); }
    }
}
