package io.vmqos.analysis;

import io.vmqos.core.Refusal;
import io.vmqos.core.VmPlan;

/** What {@link Sizer#size} gives: reservations that meet the SLA, or the reason none do. */
public sealed interface SizingOutcome {
    /** Reservations meeting the SLA; {@code bound} is the analysis they were checked with. */
    record Fits(VmPlan plan, PipelineBound bound) implements SizingOutcome {}

    /** No reservations within the kernel's limits meet the SLA. */
    record Refused(Refusal refusal) implements SizingOutcome {}
}
