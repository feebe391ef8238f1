package io.vmqos.agent.metrics;

import io.vmqos.agent.AgentStats;
import io.vmqos.core.Reservation;
import io.vmqos.core.SchedAttributes;
import io.vmqos.core.desired.DesiredState;
import io.vmqos.core.desired.DesiredThread;
import io.vmqos.core.InvalidInputException;
import io.vmqos.host.service.HostService;
import io.vmqos.linux.LedgerUnavailableException;
import io.vmqos.linux.ProcFs;
import io.vmqos.testing.FakeScheduler;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The agent's metrics as Prometheus scrapes them, from a fake host: names, labels, units. */
class HostMetricsTest {
    @TempDir Path proc;

    @Test
    void reservedThreadsAndTheirVmsAreServedInBaseUnits() throws Exception {
        SchedAttributes vcpu = SchedAttributes.deadline(Reservation.parse("vcpu", "2ms/10ms"));
        SchedAttributes loop = SchedAttributes.deadline(Reservation.parse("io", "1ms/10ms"));
        DesiredState d = new DesiredState(List.of(new DesiredThread(101, 100, List.of("web"), "web vcpu0", vcpu, DesiredThread.ANY_CPU),
                new DesiredThread(100, 100, List.of("web"), "web main-loop", loop, DesiredThread.ANY_CPU),
                new DesiredThread(201, 200, List.of("db"), "db vcpu0", vcpu, DesiredThread.ANY_CPU)),
                List.of(), List.of(), List.of(), List.of(), Set.of(), null, Set.of(), List.of());
        FakeScheduler sched = new FakeScheduler().with(101, vcpu).with(100, loop).with(201, SchedAttributes.other());
        Files.createDirectories(proc.resolve("101"));
        Files.writeString(proc.resolve("101/schedstat"), "2500000000 125000000 4000\n");
        Files.writeString(proc.resolve("101/status"), "Name:\tCPU 0/TCG\nvoluntary_ctxt_switches:\t900\nnonvoluntary_ctxt_switches:\t37\n");
        var rec = io.vmqos.host.state.HostRecord.empty().withVm(new io.vmqos.host.state.HostRecord.VmEntry(
                new io.vmqos.host.state.Owner("config:/etc/vmqos/host.yaml", "web"), 100, 7, "qmp:/run/web.qmp"));
        HostService.Outcome o = new HostService.Outcome(d, List.of(), List.of(), rec, List.of(), List.of());
        var tap = new io.vmqos.core.net.TapRef("tap7", null);
        HostMetrics m = new HostMetrics(() -> Optional.of(o), new AgentStats(), new ProcFs(proc), sched, () -> {
            throw new LedgerUnavailableException("no debugfs here");
        }, new io.vmqos.agent.VmTraffic(pid -> pid == 100 ? List.of(tap) : List.of(), t -> Optional.of(new io.vmqos.linux.net.TapCounters.Counters(10, 1500, 20, 3000))),
                () -> List.of(io.vmqos.analysis.OfferedLoad.of("web", "rx", new io.vmqos.core.config.DirectionSla(
                        new io.vmqos.core.config.DirectionSla.PacketsPerSecond(1), 100, 1, 5_000_000), 20, 3000, 10_000_000_000L)),
                () -> List.of(new io.vmqos.agent.BudgetState("web", "vcpu0", 101, vcpu, 10_000_000_000L, 1000, 123, 0.99),
                        new io.vmqos.agent.BudgetState("web", "main-loop", 100, loop, 10_000_000_000L, 1000, 0, 0.1)));
        try (MetricsServer s = MetricsServer.start(MetricsServer.Address.parse("--metrics", "127.0.0.1:0"), m, new AgentStats().protectTimes())) {
            assertThat(s.url()).startsWith("http://127.0.0.1:").endsWith("/metrics");
            String text = HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create(s.url())).build(), HttpResponse.BodyHandlers.ofString()).body();
            assertThat(text)
                    .contains("vmqos_thread_reserved_cpu_ratio{stage=\"vcpu0\",tid=\"101\",vm=\"web\"} 0.2")
                    .contains("vmqos_thread_reserved_cpu_ratio{stage=\"main-loop\",tid=\"100\",vm=\"web\"} 0.1")
                    .contains("vmqos_thread_reserved{stage=\"vcpu0\",tid=\"201\",vm=\"db\"} 0.0")
                    .contains("vmqos_thread_cpu_seconds_total{stage=\"vcpu0\",tid=\"101\",vm=\"web\"} 2.5")
                    .contains("vmqos_thread_run_delay_seconds_total{stage=\"vcpu0\",tid=\"101\",vm=\"web\"} 0.125")
                    .contains("vmqos_thread_involuntary_switches_total{stage=\"vcpu0\",tid=\"101\",vm=\"web\"} 37.0")
                    .contains("vmqos_vm_protected{vm=\"web\"} 1.0")
                    .contains("vmqos_vm_protected{vm=\"db\"} 0.0")
                    .contains("vmqos_agent_reconciles_total 0.0")
                    .contains("vmqos_vm_packets_total{direction=\"tx\",vm=\"web\"} 10.0")
                    .contains("vmqos_vm_bytes_total{direction=\"rx\",vm=\"web\"} 3000.0")
                    .contains("vmqos_vm_offered_packets_per_second{direction=\"rx\",vm=\"web\"} 2.0")
                    .contains("vmqos_vm_sla_exceeded{direction=\"rx\",vm=\"web\"} 1.0")
                    .contains("vmqos_vm_budget_exhausted{stage=\"vcpu0\",vm=\"web\"} 1.0")
                    .contains("vmqos_vm_budget_exhausted{stage=\"main-loop\",vm=\"web\"} 0.0")
                    .contains("vmqos_vm_budget_exhausted_period_ratio{stage=\"vcpu0\",vm=\"web\"} 0.123")
                    .contains("vmqos_thread_budget_exhausted_periods_total{stage=\"vcpu0\",tid=\"101\",vm=\"web\"} 123.0")
                    .contains("# TYPE vmqos_agent_protect_seconds histogram")
                    .doesNotContain("vmqos_rootdomain_capacity_cpu_ratio{");
        }
    }

    @Test
    void theAddressIsLoopbackUnlessGivenAndABadOneNamesTheOption() {
        assertThat(MetricsServer.Address.parse("--metrics", "9464")).isEqualTo(new MetricsServer.Address("127.0.0.1", 9464));
        assertThat(MetricsServer.Address.parse("--metrics", ":9464")).isEqualTo(new MetricsServer.Address("127.0.0.1", 9464));
        assertThat(MetricsServer.Address.parse("--metrics", "0.0.0.0:9464")).isEqualTo(new MetricsServer.Address("0.0.0.0", 9464));
        assertThat(MetricsServer.Address.parse("--metrics", "[::1]:9464")).isEqualTo(new MetricsServer.Address("::1", 9464));
        assertThatThrownBy(() -> MetricsServer.Address.parse("--metrics", "localhost:http")).isInstanceOf(InvalidInputException.class)
                .hasMessageContaining("--metrics");
        assertThatThrownBy(() -> MetricsServer.Address.parse("--metrics", "70000")).isInstanceOf(InvalidInputException.class)
                .hasMessageContaining("out of range");
    }
}
