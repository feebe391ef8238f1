package io.vmqos.lab.report;

import io.vmqos.core.InvalidInputException;
import io.vmqos.lab.load.LoadResult;
import org.HdrHistogram.Histogram;

import java.util.List;

/**
 * All rounds of one scenario of an experiment (e.g. {@code isolated}, {@code noisy}, {@code noisy+reserved}).
 *
 * @param name scenario name; {@value ConsoleTable#BASELINE} is the baseline for ratios
 * @param rounds one {@link LoadResult} per round, in round order (scenarios interleaved in rounds by the caller)
 * @param guaranteedBoundNanos latency bound the reservation guarantees for this scenario, or null when none
 * @param bulkBitsPerSecond per round, the VM's bulk echo throughput (payload bit/s) measured after the paced run
 *     (the flood scenarios), else empty
 * @param reservedCpus what the scenario reserves for the VM, in CPUs (a dedicated core: one), or null when it reserves
 *     nothing
 * @param usedCpus per round, the CPU the VM's threads used during the paced run, in CPUs (empty when not measured)
 */
public record ScenarioResult(String name, List<LoadResult> rounds, Long guaranteedBoundNanos, List<Double> bulkBitsPerSecond,
                             Double reservedCpus, List<Double> usedCpus) {
    public ScenarioResult(String name, List<LoadResult> rounds, Long guaranteedBoundNanos, List<Double> bulkBitsPerSecond) {
        this(name, rounds, guaranteedBoundNanos, bulkBitsPerSecond, null, List.of());
    }

    public ScenarioResult {
        usedCpus = usedCpus == null ? List.of() : List.copyOf(usedCpus);
        bulkBitsPerSecond = bulkBitsPerSecond == null ? List.of() : List.copyOf(bulkBitsPerSecond);
        if (name == null || name.isBlank()) throw new InvalidInputException("scenario", "has no name", "name every scenario");
        rounds = List.copyOf(rounds);
        if (rounds.isEmpty()) throw new InvalidInputException("scenario " + name, "has no rounds", "run at least one round");
    }

    public ScenarioResult(String name, List<LoadResult> rounds) { this(name, rounds, null, List.of()); }

    public ScenarioResult(String name, List<LoadResult> rounds, Long guaranteedBoundNanos) { this(name, rounds, guaranteedBoundNanos, List.of()); }

    /** All rounds' latency histograms added together (a fresh histogram on each call). */
    public Histogram mergedLatency() {
        Histogram merged = new Histogram(3);
        merged.setAutoResize(true);
        for (LoadResult r : rounds) merged.add(r.decodeLatencyHistogram());
        return merged;
    }

    /** The round with the median p99 latency (lower median for an even count): the one to plot over time. */
    public LoadResult medianRound() {
        List<LoadResult> sorted = rounds.stream()
                .sorted(java.util.Comparator.comparingLong(r -> r.latency().p99Nanos())).toList();
        return sorted.get((sorted.size() - 1) / 2);
    }
}
