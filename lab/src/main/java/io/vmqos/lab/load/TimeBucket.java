package io.vmqos.lab.load;

/**
 * Latency of the replies that arrived in one time bucket of a run, for latency-over-time plots.
 *
 * @param startOffsetNanos bucket start relative to the run's first intended send
 * @param count replies that arrived in the bucket (0 = nothing came back: a stall or loss)
 */
public record TimeBucket(long startOffsetNanos, long count, long p50Nanos, long p99Nanos, long maxNanos) {}
