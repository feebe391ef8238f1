package io.vmqos.analysis;

import io.vmqos.core.CpuBandwidth;
import io.vmqos.core.Placement;
import io.vmqos.core.Refusal.BandwidthShortfall;
import io.vmqos.core.Refusal.Constraint;

import java.util.List;

/** The answer of {@link Admission} for one VM plan. */
public sealed interface AdmissionDecision {
    /** Admitted: where each stage thread runs. */
    record Admitted(String rootDomain, List<Placement> placements) implements AdmissionDecision {
        public Admitted { placements = List.copyOf(placements); }
    }

    /**
     * Refused by {@code constraint}: the VM needs the bandwidth (or density) {@code needed}, the constraint leaves
     * {@code available}.
     */
    record Rejected(String rootDomain, Constraint constraint, CpuBandwidth needed, CpuBandwidth available, String detail) implements AdmissionDecision {
        /** {@code needed} and {@code available}, as a refusal holds them. */
        public BandwidthShortfall shortfall() { return new BandwidthShortfall(needed, available); }
    }
}
