package io.vmqos.lab.demo;

import io.vmqos.lab.Packages;
import io.vmqos.lab.report.ScenarioResult;
import io.vmqos.lab.report.ScenarioSummary;
import io.vmqos.testing.HostGuard;
import io.vmqos.testing.Root;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * {@code noisy+vmqos-lean} end to end on real QEMU and kernel: the live calibration runs on the lab's traffic, the
 * floors and their bound are stated, a real {@code vmqos agent} keeps the VM reclaiming and adaptive for the round
 * (its log shows the reconcile), the kernel's reservations are sampled into "CPU reserved", and the host is left as
 * found (HostGuard: no DEADLINE thread, no ledger change, no namespace). The economy's figures are
 * {@link DemoEconomyBenchmark}'s, not asserted here.
 */
@ExtendWith(HostGuard.class)
class DemoLeanTest {
    @org.junit.jupiter.api.io.TempDir Path report;

    @Test
    void theLeanScenarioIsCalibratedLiveAndKeptByTheAgent() throws Exception {
        Root.assumeDeadlineCapable();
        assumeTrue(Packages.isRoot(), "needs root: the demo boots a VM in network namespaces");
        assumeTrue(Files.exists(Path.of("/dev/net/tun")), "no /dev/net/tun on this machine");
        DemoOptions o = new DemoOptions(4_000_000_000L, 1000, 64, 1, 2, report, List.of(Scenario.NOISY_VMQOS_LEAN), null, null, 1, 10, 20);
        List<String> lines = new ArrayList<>();
        DemoResult r = new DemoRunner(o, line -> { System.out.println("demo: " + line); lines.add(line); }).run();
        String all = String.join("\n", lines);

        assertThat(all).contains("live calibration, vmqos vm calibrate watching").contains("floors (the packets' work at 1000 req/s");
        assertThat(all).containsPattern("io [0-9]+ ns/packet \\((live, R² [0-9.]+|the warm-up's: .*)\\)");
        Path yaml = report.resolve("lean/host.yaml");
        assertThat(Files.readString(yaml)).contains("reclaim: true").contains("adaptive: true").contains("reclaimCeiling: ");
        assertThat(Files.readString(report.resolve("lean/agent-0.log"))).as("the agent reserved the VM").contains("reconciled");

        ScenarioResult lean = r.scenarios().getFirst();
        assertThat(lean.name()).isEqualTo("noisy+vmqos-lean");
        assertThat(lean.guaranteedBoundNanos()).as("the floors' bound").isNotNull().isPositive().isLessThanOrEqualTo(20_000_000L);
        assertThat(lean.reservedCpus()).as("what the kernel held, averaged").isNotNull().isBetween(0.02, 2.0);
        ScenarioSummary s = ScenarioSummary.of(lean);
        assertThat(s.usedCpus()).isPositive();
        assertThat(s.reservedOverUsed()).isNotNull();
        System.out.printf("lean: reserved %.1f%% of a CPU, used %.1f%%, bound %d us, max %d us%n", lean.reservedCpus() * 100, s.usedCpus() * 100,
                lean.guaranteedBoundNanos() / 1000, s.maxNanos() / 1000);
    }
}
