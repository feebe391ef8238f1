package io.vmqos.lab.demo;

import io.vmqos.lab.Packages;
import io.vmqos.lab.report.ConsoleTable;
import io.vmqos.lab.report.ScenarioResult;
import io.vmqos.testing.HostGuard;
import io.vmqos.testing.Root;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * The flood pair end to end on real QEMU, namespaces and kernel: both flood scenarios run, the NAPI threads are sized
 * from both VMs' SLAs and reserved only in noisy+flood+vmqos, the flooded VM is held near its ceiling there, the
 * protected VM's bulk throughput reaches the report, and the host is left as found (no namespace, QEMU, noise,
 * DEADLINE thread or ledger change; the veth's NAPI settings go with its namespaces). Latency figures are the
 * demo's business (docs/network-path.md), not asserted here.
 */
@ExtendWith(HostGuard.class)
class DemoFloodTest {
    @Test
    void bothFloodScenariosRunAndCleanUp() throws Exception {
        Root.assumeDeadlineCapable();
        assumeTrue(Packages.isRoot(), "needs root: the demo boots VMs in network namespaces");
        assumeTrue(Files.exists(Path.of("/dev/net/tun")), "no /dev/net/tun on this machine");
        Path report = Files.createTempDirectory("vq-demo-flood");
        DemoOptions o = new DemoOptions(1_000_000_000L, 500, 64, 1, 2, report,
                List.of(Scenario.NOISY_FLOOD, Scenario.NOISY_FLOOD_VMQOS), null, null, 1, 10, 20);
        List<String> lines = new ArrayList<>();
        DemoResult r = new DemoRunner(o, line -> { System.out.println("demo: " + line); lines.add(line); }).run();

        String all = String.join("\n", lines);
        assertThat(all).contains("the lab's veth is the host's NIC");
        Matcher sized = Pattern.compile("napi/\\S+ [0-9.]+ us/packet -> ([0-9.]+)(us|ms)/([0-9.]+)(us|ms) \\(([0-9.]+)%[,)]").matcher(all);
        int napiThreads = 0;
        while (sized.find()) {
            napiThreads++;
            assertThat(Double.parseDouble(sized.group(5))).as("a NAPI reservation is a share of one CPU").isBetween(0.1, 95.0);
        }
        assertThat(napiThreads).as("both veth ends' NAPI threads sized: " + all).isGreaterThanOrEqualTo(2);
        assertThat(all).contains("path: ").contains("NAPI threads on").contains("flooded tap shaped both ways");
        // the flood under vmqos (the first flood line after the path was set up) stays near its 20mbit ceiling
        Matcher flood = Pattern.compile("flood: ([0-9.]+) Mbit/s echoed").matcher(all.substring(all.indexOf("path: ")));
        assertThat(flood.find()).isTrue();
        assertThat(Double.parseDouble(flood.group(1))).as("flood under vmqos, Mbit/s").isLessThanOrEqualTo(22.0);

        assertThat(r.scenarios()).extracting(ScenarioResult::name).containsExactly("noisy+flood", "noisy+flood+vmqos");
        for (ScenarioResult s : r.scenarios()) {
            assertThat(s.bulkBitsPerSecond()).as(s.name()).hasSize(1);
            assertThat(s.bulkBitsPerSecond().get(0)).as(s.name() + " bulk echo, bit/s").isPositive();
        }
        assertThat(r.table()).contains(ConsoleTable.BULK);
        assertThat(Files.readString(r.files().indexHtml())).contains(ConsoleTable.BULK);

        String netns = new String(new ProcessBuilder("ip", "netns", "list").start().getInputStream().readAllBytes());
        assertThat(netns).doesNotContain("vqlab-");
        String procs = new String(new ProcessBuilder("pgrep", "-af", "qemu-system").start().getInputStream().readAllBytes());
        assertThat(procs).doesNotContain("vqlab-");
    }
}
