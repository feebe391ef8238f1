package io.vmqos.lab.report;

import io.vmqos.lab.load.LoadResult;

import java.util.List;

/**
 * The {@code results.json} of a report: every scenario's summary and all its raw rounds (with encoded
 * histograms, so results can be re-plotted or merged later).
 *
 * @param generatedAt ISO-8601 instant the report was written
 */
public record ReportDocument(String generatedAt, String baseline, List<Scenario> scenarios) {
    public ReportDocument {
        scenarios = List.copyOf(scenarios);
    }

    /** One scenario as stored: its summary (medians over rounds) and the rounds. */
    public record Scenario(String name, Long guaranteedBoundNanos, ScenarioSummary summary, List<LoadResult> rounds, List<Double> bulkBitsPerSecond,
                           Double reservedCpus, List<Double> usedCpus) {
        public Scenario {
            rounds = List.copyOf(rounds);
            bulkBitsPerSecond = bulkBitsPerSecond == null ? List.of() : List.copyOf(bulkBitsPerSecond);
            usedCpus = usedCpus == null ? List.of() : List.copyOf(usedCpus);
        }

        public ScenarioResult toResult() { return new ScenarioResult(name, rounds, guaranteedBoundNanos, bulkBitsPerSecond, reservedCpus, usedCpus); }
    }

    /** The scenario results back, in report order. */
    public List<ScenarioResult> results() { return scenarios.stream().map(Scenario::toResult).toList(); }
}
