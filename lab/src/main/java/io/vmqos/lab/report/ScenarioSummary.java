package io.vmqos.lab.report;

import io.vmqos.lab.load.LoadResult;

/**
 * One scenario in one line: each figure is the median over the scenario's rounds (latencies in ns, from actual
 * send time; see {@link LoadResult}).
 *
 * @param lossRatio median over rounds of lost / requests
 * @param echoedBitsPerSecond median UDP payload bits echoed per second
 * @param guaranteedBoundNanos the scenario's guaranteed latency bound, or null
 * @param bulkBitsPerSecond median bulk echo throughput (payload bit/s) of the flood scenarios' probe, or null
 * @param reservedCpus what the scenario reserves for the VM, in CPUs, or null
 * @param usedCpus median CPU the VM's threads used, in CPUs, or null when not measured
 */
public record ScenarioSummary(String name, int rounds, long p50Nanos, long p99Nanos, long p999Nanos, long maxNanos,
                              double lossRatio, double repliesPerSecond, double echoedBitsPerSecond,
                              Long guaranteedBoundNanos, Double bulkBitsPerSecond, Double reservedCpus, Double usedCpus) {

    public ScenarioSummary(String name, int rounds, long p50Nanos, long p99Nanos, long p999Nanos, long maxNanos, double lossRatio,
                           double repliesPerSecond, double echoedBitsPerSecond, Long guaranteedBoundNanos, Double bulkBitsPerSecond) {
        this(name, rounds, p50Nanos, p99Nanos, p999Nanos, maxNanos, lossRatio, repliesPerSecond, echoedBitsPerSecond, guaranteedBoundNanos,
                bulkBitsPerSecond, null, null);
    }

    /** Reserved over used CPU (the economy), or null when the scenario reserves nothing or its use was not measured. */
    public Double reservedOverUsed() { return reservedCpus == null || usedCpus == null || usedCpus <= 0 ? null : reservedCpus / usedCpus; }

    public static ScenarioSummary of(ScenarioResult s) {
        var r = s.rounds();
        return new ScenarioSummary(s.name(), r.size(),
                Medians.ofLong(r, x -> x.latency().p50Nanos()), Medians.ofLong(r, x -> x.latency().p99Nanos()),
                Medians.ofLong(r, x -> x.latency().p999Nanos()), Medians.ofLong(r, x -> x.latency().maxNanos()),
                Medians.ofDouble(r, LoadResult::lossRatio), Medians.ofDouble(r, LoadResult::repliesPerSecond),
                Medians.ofDouble(r, LoadResult::echoedBitsPerSecond), s.guaranteedBoundNanos(),
                s.bulkBitsPerSecond().isEmpty() ? null : Medians.ofDouble(s.bulkBitsPerSecond(), Double::doubleValue), s.reservedCpus(),
                s.usedCpus().isEmpty() ? null : Medians.ofDouble(s.usedCpus(), Double::doubleValue));
    }

    /**
     * Null without a bound; else whether the median p99.9 stayed within it. p99.9, not max: the bound covers the
     * reserved threads, while the rare maximum also carries what no reservation covers here (the load client's own
     * host, unreserved kernel threads); {@link #maxWithinBound()} tells the max.
     */
    public Boolean boundHeld() { return guaranteedBoundNanos == null ? null : p999Nanos <= guaranteedBoundNanos; }

    /** Null without a bound; else whether even the median max stayed within it. */
    public Boolean maxWithinBound() { return guaranteedBoundNanos == null ? null : maxNanos <= guaranteedBoundNanos; }
}
