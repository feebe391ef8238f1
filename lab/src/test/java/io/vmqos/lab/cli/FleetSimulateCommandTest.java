package io.vmqos.lab.cli;

import io.vmqos.cli.Main;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;

/** {@code vmqos fleet simulate} in memory (the lab adds it under the product's fleet command): console summary and report. */
class FleetSimulateCommandTest extends io.vmqos.testing.CliTestSupport {
    @TempDir Path dir;

    @Test
    void writesTheReportAndPrintsTheSummary() {
        Path out = dir.resolve("report");
        assertThat(run("fleet", "simulate", "--hosts", "8", "--vms", "60", "--seed", "3", "--out", out.toString())).as(err).isEqualTo(Main.DONE);
        assertThat(this.out).contains("60 VMs on 8 hosts").contains("vmqos admitted").contains("dedicated cores").contains("vCPU packing x4")
                .contains("lean reservations").contains("placements:");
        assertThat(out.resolve("results.json")).isNotEmptyFile();
        assertThat(out.resolve("fleet.png")).isNotEmptyFile();
        assertThat(out.resolve("index.html")).content().contains("<table>").contains("fleet.png");
    }

    @Test
    void badInputExitsTwo() {
        assertThat(run("fleet", "simulate", "--hosts", "0", "--out", dir.toString())).isEqualTo(Main.USAGE);
        assertThat(err).contains("--hosts").contains("fix:");
        assertThat(run("fleet", "simulate", "--placement", "http://192.0.2.1:8778", "--out", dir.toString())).isEqualTo(Main.USAGE);
        assertThat(err).contains("127.0.0.1");
        assertThat(Files.exists(dir.resolve("results.json"))).isFalse();
    }
}
