package io.vmqos.analysis;

import io.vmqos.core.StageReservation;

import java.util.List;

/**
 * The guarantee a chain of stage reservations gives to an SLA's traffic (see {@link PipelineAnalysis}).
 * Times in ns (rounded up), backlog in packets (rounded up); {@link Long#MAX_VALUE} when unbounded.
 *
 * @param stages per-stage reservation with its guaranteed rate and latency
 * @param delayBoundNs end-to-end delay bound: the smaller of the pay-bursts-only-once rate-latency bound and
 *     the stage-by-stage bound on the exact supply bound functions
 * @param linearDelayNs the rate-latency bound {@code ΣT + b/min R}
 * @param exactSequentialDelayNs the sum of per-stage bounds on the exact supply, each stage fed the output
 *     envelope of the previous one
 * @param backlogBoundPackets packets queued in the chain at most
 */
public record PipelineBound(List<StageReservation> stages, long delayBoundNs, long linearDelayNs,
                            long exactSequentialDelayNs, long backlogBoundPackets) {
    public PipelineBound {
        stages = List.copyOf(stages);
    }

    /** True when the traffic's rate is within every stage's rate, so the bounds are finite. */
    public boolean bounded() { return delayBoundNs != Long.MAX_VALUE; }
}
