package io.vmqos.analysis;

import io.vmqos.core.Placement;
import io.vmqos.core.Refusal.Constraint;

import java.util.List;

/** The answer of {@link Admission} for one VM plan. */
public sealed interface AdmissionDecision {
    /** Admitted: where each stage thread runs. */
    record Admitted(String rootDomain, List<Placement> placements) implements AdmissionDecision {
        public Admitted { placements = List.copyOf(placements); }
    }

    /**
     * Refused by {@code constraint}: the VM needs {@code needed}, the constraint leaves {@code available}
     * (fixed-point 2^-20 CPU).
     */
    record Rejected(String rootDomain, Constraint constraint, long needed, long available, String detail) implements AdmissionDecision {}
}
