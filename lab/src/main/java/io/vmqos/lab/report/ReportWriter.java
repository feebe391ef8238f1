package io.vmqos.lab.report;

import io.vmqos.core.InvalidInputException;
import io.vmqos.lab.load.LoadJson;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * Writes an experiment report directory:
 * <pre>
 * results.json        {@link ReportDocument}: summaries + all rounds (histograms included)
 * percentiles.png     latency by percentile, one line per scenario ({@link LatencyCharts#percentileChart})
 * timeline.png        p99 latency over time, median round per scenario ({@link LatencyCharts#timelineChart})
 * index.html          the results table and both images
 * </pre>
 * Creates the directory if needed and overwrites these four files; other files are left alone. SVG output
 * is not produced (JFreeChart needs the separate JFreeSVG library for it). Call from one thread.
 */
public final class ReportWriter {
    public static final String RESULTS_JSON = "results.json";
    public static final String PERCENTILES_PNG = "percentiles.png";
    public static final String TIMELINE_PNG = "timeline.png";
    public static final String INDEX_HTML = "index.html";
    private static final int WIDTH = 1000;
    private static final int HEIGHT = 600;

    /** Paths of the files written. */
    public record ReportFiles(Path directory, Path resultsJson, Path percentilesPng, Path timelinePng, Path indexHtml) {}

    private ReportWriter() {}

    /**
     * @throws InvalidInputException when there are no scenarios or two share a name
     * @throws IOException when a file cannot be written
     */
    public static ReportFiles write(Path directory, List<ScenarioResult> scenarios) throws IOException {
        if (scenarios.isEmpty()) throw new InvalidInputException("scenarios", "is empty", "run at least one scenario");
        Set<String> names = new HashSet<>();
        for (ScenarioResult s : scenarios) {
            if (!names.add(s.name())) {
                throw new InvalidInputException("scenarios", "name '" + s.name() + "' appears twice", "give scenarios unique names");
            }
        }
        Files.createDirectories(directory);
        List<ScenarioSummary> summaries = scenarios.stream().map(ScenarioSummary::of).toList();
        ReportDocument doc = new ReportDocument(Instant.now().toString(), ConsoleTable.BASELINE,
                scenarios.stream().map(s -> new ReportDocument.Scenario(s.name(), s.guaranteedBoundNanos(),
                        ScenarioSummary.of(s), s.rounds(), s.bulkBitsPerSecond(), s.reservedCpus(), s.usedCpus())).toList());
        ReportFiles out = new ReportFiles(directory, directory.resolve(RESULTS_JSON), directory.resolve(PERCENTILES_PNG),
                directory.resolve(TIMELINE_PNG), directory.resolve(INDEX_HTML));
        LoadJson.MAPPER.writeValue(out.resultsJson().toFile(), doc);
        LatencyCharts.writePng(LatencyCharts.percentileChart(scenarios), out.percentilesPng(), WIDTH, HEIGHT);
        LatencyCharts.writePng(LatencyCharts.timelineChart(scenarios), out.timelinePng(), WIDTH, HEIGHT);
        Files.writeString(out.indexHtml(), HtmlPage.render(doc.generatedAt(), summaries));
        return out;
    }

    /** Reads a {@code results.json} written by {@link #write}. */
    public static ReportDocument read(Path resultsJson) throws IOException {
        return LoadJson.MAPPER.readValue(resultsJson.toFile(), ReportDocument.class);
    }
}
