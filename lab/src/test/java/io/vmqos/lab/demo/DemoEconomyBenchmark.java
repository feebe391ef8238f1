package io.vmqos.lab.demo;

import io.vmqos.lab.Packages;
import io.vmqos.lab.report.ScenarioSummary;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.List;
import java.util.Locale;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * The economy, side by side in one run: the demo's isolated, noisy, noisy+vmqos, noisy+vmqos-lean and dedicated-core
 * scenarios, interleaved over 5 rounds (the order rotates each round), medians of each: p99, p99.9, max and CPU
 * reserved/used. Run with {@code scripts/bench.sh -pl lab -am -Dtest=DemoEconomyBenchmark} (about 6 minutes).
 */
@Tag("benchmark")
class DemoEconomyBenchmark {
    @TempDir Path report;

    @Test
    void economy() throws Exception {
        assumeTrue(Packages.isRoot(), "needs root: the lab VM, namespaces, SCHED_DEADLINE");
        DemoOptions o = new DemoOptions(10_000_000_000L, 1000, 64, 5, 4, report,
                List.of(Scenario.ISOLATED, Scenario.NOISY, Scenario.NOISY_VMQOS, Scenario.NOISY_VMQOS_LEAN, Scenario.DEDICATED_CORE), null, null, 1, 10, 20);
        DemoResult r = new DemoRunner(o, line -> System.out.println("demo: " + line)).run();
        System.out.println("BENCH demo economy, 5 interleaved rounds of 10 s at 1000 req/s x 64 B, 4 CPU hogs, medians:");
        for (String line : r.table().split("\n")) System.out.println("BENCH " + line);
        for (var res : r.scenarios()) {
            ScenarioSummary s = ScenarioSummary.of(res);
            System.out.printf(Locale.ROOT, "BENCH %-18s p99 %7.0f us  p99.9 %7.0f us  max %7.0f us  reserved/used %s%n", s.name(), s.p99Nanos() / 1e3,
                    s.p999Nanos() / 1e3, s.maxNanos() / 1e3, s.reservedOverUsed() == null ? "-" : String.format(Locale.ROOT, "%.2fx", s.reservedOverUsed()));
        }
        assertThat(r.scenarios()).hasSize(5);
    }
}
