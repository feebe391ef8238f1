package io.vmqos.lab.report;

import io.vmqos.core.InvalidInputException;
import io.vmqos.lab.load.LoadResult;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import javax.imageio.ImageIO;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class ReportWriterTest {
    static List<ScenarioResult> scenarios() {
        List<LoadResult> isolated = List.of(SyntheticResults.round(1, 30_000, 0.2, 0, 0),
                SyntheticResults.round(2, 32_000, 0.2, 0, 0), SyntheticResults.round(3, 31_000, 0.2, 0, 0));
        List<LoadResult> noisy = List.of(SyntheticResults.round(4, 80_000, 0.8, 0.2, 12),
                SyntheticResults.round(5, 90_000, 0.8, 0.3, 30), SyntheticResults.round(6, 70_000, 0.8, 0.2, 5));
        List<LoadResult> reserved = List.of(SyntheticResults.round(7, 40_000, 0.3, 0, 0),
                SyntheticResults.round(8, 42_000, 0.3, 0, 0), SyntheticResults.round(9, 41_000, 0.3, 0, 0));
        return List.of(new ScenarioResult("isolated", isolated), new ScenarioResult("noisy", noisy),
                new ScenarioResult("noisy+reserved", reserved, 500_000L));
    }

    @Test
    void writesJsonChartsAndIndex(@TempDir Path dir) throws IOException {
        List<ScenarioResult> scenarios = scenarios();
        ReportWriter.ReportFiles files = ReportWriter.write(dir.resolve("report"), scenarios);

        for (Path png : List.of(files.percentilesPng(), files.timelinePng())) {
            assertThat(Files.size(png)).as(png.toString()).isGreaterThan(5_000);
            BufferedImage image = ImageIO.read(png.toFile());
            assertThat(image.getWidth()).isEqualTo(1000);
            assertThat(image.getHeight()).isEqualTo(600);
        }
        String html = Files.readString(files.indexHtml());
        assertThat(html).contains("src=\"percentiles.png\"", "src=\"timeline.png\"", "href=\"results.json\"",
                "<td>noisy+reserved</td>", "500.0us held");

        ReportDocument doc = ReportWriter.read(files.resultsJson());
        assertThat(doc.baseline()).isEqualTo("isolated");
        assertThat(doc.results()).isEqualTo(scenarios);
        assertThat(doc.scenarios().get(1).summary()).isEqualTo(ScenarioSummary.of(scenarios.get(1)));

        // keep a copy for looking at by eye when debugging: -Dvqload.report.keep=/some/dir
        String keep = System.getProperty("vqload.report.keep");
        if (keep != null) ReportWriter.write(Path.of(keep), scenarios);
    }

    @Test
    void refusesDuplicateOrMissingScenarios(@TempDir Path dir) {
        List<ScenarioResult> s = scenarios();
        assertThatThrownBy(() -> ReportWriter.write(dir, List.of(s.get(0), s.get(0))))
                .isInstanceOf(InvalidInputException.class).hasMessageContaining("appears twice");
        assertThatThrownBy(() -> ReportWriter.write(dir, List.of())).hasMessageStartingWith("scenarios");
        assertThatThrownBy(() -> new ScenarioResult("x", List.of())).hasMessageContaining("no rounds");
    }
}
