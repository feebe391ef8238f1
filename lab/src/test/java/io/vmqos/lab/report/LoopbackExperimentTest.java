package io.vmqos.lab.report;

import io.vmqos.lab.load.LoadResult;
import io.vmqos.lab.load.LoadSpec;
import io.vmqos.lab.load.NoisyNeighbour;
import io.vmqos.lab.load.UdpEchoServer;
import io.vmqos.lab.load.UdpLoadGenerator;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** End to end on loopback: interleaved rounds with and without a noisy neighbour, then a report. */
class LoopbackExperimentTest {
    @Test
    void interleavedRoundsProduceAReport(@TempDir Path dir) throws Exception {
        List<LoadResult> isolated = new ArrayList<>();
        List<LoadResult> noisy = new ArrayList<>();
        try (UdpEchoServer server = UdpEchoServer.start()) {
            LoadSpec spec = LoadSpec.paced(server.address(), 2000, 64, 1_000_000_000L);
            for (int round = 0; round < 2; round++) {
                isolated.add(UdpLoadGenerator.run(spec));
                try (NoisyNeighbour n = NoisyNeighbour.start(4)) {
                    noisy.add(UdpLoadGenerator.run(spec));
                }
            }
        }
        List<ScenarioResult> scenarios = List.of(new ScenarioResult("isolated", isolated), new ScenarioResult("noisy", noisy));
        ReportWriter.ReportFiles files = ReportWriter.write(dir, scenarios);
        System.out.print(ConsoleTable.render(scenarios.stream().map(ScenarioSummary::of).toList()));
        assertThat(Files.size(files.percentilesPng())).isPositive();
        assertThat(isolated).allSatisfy(r -> assertThat(r.replies()).isPositive());
        assertThat(noisy).allSatisfy(r -> assertThat(r.replies()).isPositive());
    }
}
