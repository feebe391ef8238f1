package io.vmqos.lab.report;

import org.junit.jupiter.api.Test;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

class ConsoleTableTest {
    @Test
    void mediansOverRoundsAndRatiosToIsolated() {
        List<ScenarioResult> scenarios = ReportWriterTest.scenarios();
        List<ScenarioSummary> summaries = scenarios.stream().map(ScenarioSummary::of).toList();

        ScenarioSummary isolated = summaries.get(0);
        long[] p99s = scenarios.get(0).rounds().stream().mapToLong(r -> r.latency().p99Nanos()).sorted().toArray();
        assertThat(isolated.p99Nanos()).isEqualTo(p99s[1]);
        assertThat(isolated.rounds()).isEqualTo(3);
        assertThat(summaries.get(1).lossRatio()).isEqualTo(12.0 / (10_000 + 12));
        assertThat(summaries.get(2).boundHeld()).isTrue();
        assertThat(summaries.get(0).boundHeld()).isNull();

        String table = ConsoleTable.render(summaries);
        System.out.print(table);
        List<String> lines = table.lines().toList();
        assertThat(lines).hasSize(5);
        assertThat(lines.get(0)).startsWith("scenario").contains("p99.9", "loss", "Mbit/s", "bound");
        assertThat(lines.get(2)).startsWith("isolated").contains("(x1.00)");
        assertThat(lines.get(3)).startsWith("noisy ").contains("%");
        assertThat(lines.get(4)).contains("500.0us held");
        assertThat(lines.stream().map(String::length).distinct()).hasSize(1);
    }

    @Test
    void floodScenariosAddABulkThroughputColumnAndTheReportKeepsIt(@org.junit.jupiter.api.io.TempDir java.nio.file.Path dir) throws Exception {
        List<ScenarioResult> plain = ReportWriterTest.scenarios();
        assertThat(ConsoleTable.headers(plain.stream().map(ScenarioSummary::of).toList())).doesNotContain(ConsoleTable.BULK);
        ScenarioResult n = plain.get(1);
        ScenarioResult flood = new ScenarioResult("noisy+flood", n.rounds(), null, List.of(30e6, 80e6, 60e6));
        List<ScenarioResult> all = List.of(plain.get(0), flood);
        List<ScenarioSummary> summaries = all.stream().map(ScenarioSummary::of).toList();
        assertThat(summaries.get(1).bulkBitsPerSecond()).isEqualTo(60e6);
        assertThat(summaries.get(0).bulkBitsPerSecond()).isNull();
        String table = ConsoleTable.render(summaries);
        System.out.print(table);
        List<String> lines = table.lines().toList();
        assertThat(lines.get(0)).contains("Mbit/s  bulk Mbit/s  bound");
        assertThat(lines.get(3)).startsWith("noisy+flood").contains("60.00");
        assertThat(lines.get(2)).startsWith("isolated");
        assertThat(lines.stream().map(String::length).distinct()).hasSize(1);
        ReportWriter.ReportFiles files = ReportWriter.write(dir, all);
        assertThat(ReportWriter.read(files.resultsJson()).results()).isEqualTo(all);
        assertThat(java.nio.file.Files.readString(files.indexHtml())).contains("<th>bulk Mbit/s</th>");
    }

    @Test
    void scenariosThatReserveShowCpuReservedOverUsedAndTheReportKeepsIt(@org.junit.jupiter.api.io.TempDir java.nio.file.Path dir) throws Exception {
        List<ScenarioResult> plain = ReportWriterTest.scenarios();
        assertThat(ConsoleTable.headers(plain.stream().map(ScenarioSummary::of).toList())).doesNotContain(ConsoleTable.ECONOMY);
        ScenarioResult n = plain.get(1);
        ScenarioResult lean = new ScenarioResult("noisy+vmqos-lean", n.rounds(), null, List.of(), 0.21, List.of(0.20, 0.17, 0.18));
        ScenarioResult core = new ScenarioResult("dedicated-core", n.rounds(), null, List.of(), 1.0, List.of(0.18, 0.18, 0.19));
        List<ScenarioResult> all = List.of(plain.get(0), lean, core);
        List<ScenarioSummary> summaries = all.stream().map(ScenarioSummary::of).toList();
        assertThat(summaries.get(1).usedCpus()).isEqualTo(0.18);
        assertThat(summaries.get(1).reservedOverUsed()).isCloseTo(0.21 / 0.18, org.assertj.core.data.Offset.offset(1e-9));
        assertThat(summaries.get(0).reservedOverUsed()).isNull();
        String table = ConsoleTable.render(summaries);
        System.out.print(table);
        List<String> lines = table.lines().toList();
        assertThat(lines.get(0)).contains("CPU reserved/used");
        assertThat(lines.get(3)).startsWith("noisy+vmqos-lean").contains("21.00%/18.00% (1.17x)");
        assertThat(lines.get(4)).startsWith("dedicated-core").contains("100.00%/18.00% (5.56x)");
        assertThat(lines.get(2)).startsWith("isolated").contains(" - ");
        ReportWriter.ReportFiles files = ReportWriter.write(dir, all);
        assertThat(ReportWriter.read(files.resultsJson()).results()).isEqualTo(all);
    }

    @Test
    void withoutIsolatedThereAreNoRatios() {
        List<ScenarioSummary> summaries = List.of(ScenarioSummary.of(ReportWriterTest.scenarios().get(1)));
        assertThat(ConsoleTable.render(summaries)).doesNotContain("(x");
    }

    @Test
    void medianOfEvenCountIsTheMeanOfTheMiddleTwo() {
        assertThat(Medians.ofLong(List.of(4L, 1L, 3L, 2L), x -> x)).isEqualTo(3); // 2.5 rounds half up
        assertThat(Medians.ofDouble(List.of(4.0, 1.0, 3.0, 2.0), x -> x)).isEqualTo(2.5);
        assertThat(Medians.ofLong(List.of(7L), x -> x)).isEqualTo(7);
    }
}
