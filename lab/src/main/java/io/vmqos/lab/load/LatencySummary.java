package io.vmqos.lab.load;

import org.HdrHistogram.AbstractHistogram;

/**
 * Percentiles of one latency histogram, all in nanoseconds (HdrHistogram precision: 3 significant digits).
 * All zero when {@code count} is 0.
 */
public record LatencySummary(long count, long minNanos, long p50Nanos, long p90Nanos, long p99Nanos,
                             long p999Nanos, long maxNanos, double meanNanos) {
    public static final LatencySummary EMPTY = new LatencySummary(0, 0, 0, 0, 0, 0, 0, 0);

    public static LatencySummary of(AbstractHistogram h) {
        if (h.getTotalCount() == 0) return EMPTY;
        return new LatencySummary(h.getTotalCount(), h.getMinValue(), h.getValueAtPercentile(50),
                h.getValueAtPercentile(90), h.getValueAtPercentile(99), h.getValueAtPercentile(99.9),
                h.getMaxValue(), h.getMean());
    }
}
