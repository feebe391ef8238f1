package io.vmqos.lab.agent;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.vmqos.lab.LabNetwork;
import io.vmqos.lab.LabVm;
import io.vmqos.lab.Packages;
import io.vmqos.lab.AgentProcess;
import io.vmqos.testing.OneLabVm;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.ServerSocket;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * A real Prometheus (Debian's package, on 127.0.0.1) scrapes the agent that reserves a lab VM; PromQL through its HTTP
 * API returns the VM's reserved vCPU share and a rising CPU-seconds counter.
 */
class AgentPrometheusLabTest {
    @TempDir Path tmp;
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

    static int freePort() throws Exception {
        try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }

    /** The values of an instant PromQL query (empty while Prometheus has none). */
    private List<Double> query(int port, String promql) {
        try {
            String url = "http://127.0.0.1:" + port + "/api/v1/query?query=" + URLEncoder.encode(promql, StandardCharsets.UTF_8);
            HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(5)).build(),
                    HttpResponse.BodyHandlers.ofString());
            if (r.statusCode() != 200) return List.of();
            List<Double> out = new ArrayList<>();
            for (JsonNode x : new ObjectMapper().readTree(r.body()).path("data").path("result")) out.add(x.path("value").get(1).asDouble());
            return out;
        } catch (Exception notYet) {
            return List.of();
        }
    }

    private List<Double> await(int port, String promql, Duration within) throws InterruptedException {
        long end = System.nanoTime() + within.toNanos();
        List<Double> v;
        while ((v = query(port, promql)).isEmpty() && System.nanoTime() < end) Thread.sleep(250);
        return v;
    }

    @Test
    void prometheusScrapesTheReservedVcpuShareAndItsRisingCpuTime() throws Exception {
        assumeTrue(!"false".equals(System.getProperty("vmqos.kernel.tests")), "kernel tests disabled (-Dvmqos.kernel.tests=false)");
        assumeTrue(Packages.isRoot(), "needs root: taps, SCHED_DEADLINE");
        Packages.ensure(List.of("prometheus"));
        List<AutoCloseable> open = new ArrayList<>();
        try {
            Path qmp = tmp.resolve("web.qmp");
            OneLabVm lab = OneLabVm.boot("p", qmp, open);
            LabNetwork net = lab.net();
            LabVm vm = lab.vm();
            Path cfg = tmp.resolve("host.yaml");
            Files.writeString(cfg, "vms:\n  - name: web\n    qmp: " + qmp + "\n    reservations: {vcpu: 2ms/10ms, io: 1ms/10ms}\n");
            Path run = tmp.resolve("run");
            int metrics = freePort();
            AgentProcess agent = AgentProcess.start(cfg, run, tmp.resolve("agent.log"), Map.of(), "--metrics", "127.0.0.1:" + metrics);
            open.add(agent);
            open.add(() -> AgentProcess.cli(run, "release", "-f", cfg.toString()));
            assertThat(agent.await("metrics on http://127.0.0.1:" + metrics + "/metrics", Duration.ofSeconds(60))).as(agent.log()).isTrue();

            int prom = freePort();
            Path promCfg = tmp.resolve("prometheus.yml");
            Files.writeString(promCfg, "global: {scrape_interval: 1s, evaluation_interval: 1s}\nscrape_configs:\n  - job_name: vmqos\n"
                    + "    static_configs: [{targets: ['127.0.0.1:" + metrics + "']}]\n");
            Process p = new ProcessBuilder("prometheus", "--config.file=" + promCfg, "--storage.tsdb.path=" + tmp.resolve("tsdb"),
                    "--web.listen-address=127.0.0.1:" + prom).redirectErrorStream(true).redirectOutput(tmp.resolve("prometheus.log").toFile()).start();
            open.add(() -> { p.destroy(); if (!p.waitFor(10, TimeUnit.SECONDS)) p.destroyForcibly().waitFor(); });

            String ratio = "vmqos_thread_reserved_cpu_ratio{vm=\"web\",stage=~\"vcpu.*\"}";
            List<Double> share = await(prom, ratio, Duration.ofSeconds(60));
            assertThat(share).as(agent.log() + Files.readString(tmp.resolve("prometheus.log"))).containsExactly(0.2);
            assertThat(await(prom, "vmqos_vm_protected{vm=\"web\"}", Duration.ofSeconds(10))).containsExactly(1.0);
            String cpu = "vmqos_thread_cpu_seconds_total{vm=\"web\",stage=~\"vcpu.*\"}";
            double first = await(prom, cpu, Duration.ofSeconds(10)).getFirst();
            Thread.sleep(4000);
            double later = await(prom, cpu, Duration.ofSeconds(10)).getFirst();
            assertThat(later).as("the vCPU's CPU time, as Prometheus scraped it 4 s apart").isGreaterThan(first);
            assertThat(await(prom, "rate(" + cpu + "[5s]) > 0", Duration.ofSeconds(10))).hasSize(1);
            assertThat(await(prom, "vmqos_vm_packets_total{vm=\"web\"}", Duration.ofSeconds(10))).as("tx and rx of web's tap").hasSize(2);
            assertThat(await(prom, "vmqos_rootdomain_capacity_cpu_ratio", Duration.ofSeconds(10))).isNotEmpty().allMatch(c -> c > 0);
            System.out.printf("prometheus: web's vCPU reserved %.2f of a CPU, ran %.3f s -> %.3f s of CPU in 4 s%n", share.getFirst(), first, later);
            assertThat(agent.term()).isIn(0, 143);
        } finally {
            for (int i = open.size() - 1; i >= 0; i--) {
                try { open.get(i).close(); } catch (Exception e) { System.err.println("cleanup: " + e); }
            }
        }
    }
}
