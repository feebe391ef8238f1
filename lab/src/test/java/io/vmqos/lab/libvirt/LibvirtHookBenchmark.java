package io.vmqos.lab.libvirt;

import io.vmqos.lab.Packages;
import io.vmqos.lab.AgentProcess;
import io.vmqos.testing.HookRun;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * The libvirt hook's own run time, as libvirtd waits for it: the script {@code vmqos hook install} writes (into a
 * temporary directory: no libvirtd is needed, the script is run as libvirt runs it) against a running agent, over
 * interleaved rounds of four calls: one vmqos ignores ({@code start begin}), a domain without vmqos metadata
 * ({@code prepare begin}), an admission ({@code prepare begin} of a domain with metadata) and a release
 * ({@code release end}). Prints median, 90th percentile and max of each. Runs the product jar
 * ({@code target/vmqos.jar}) when it is built, else the test class path (slower to start). Run with
 * {@code scripts/bench.sh -pl lab -am -Dtest=LibvirtHookBenchmark}.
 */
@Tag("benchmark")
class LibvirtHookBenchmark {
    static final int ROUNDS = 21;
    @TempDir Path tmp;

    @Test
    void hookRunTime() throws Exception {
        assumeTrue(Packages.isRoot(), "needs root: the agent changes the host");
        Path cfg = tmp.resolve("host.yaml");
        Files.writeString(cfg, "vms: []\n");
        Path run = tmp.resolve("run"), hooks = tmp.resolve("hooks");
        Path jar = Path.of(System.getProperty("vmqos.product.jar", "../target/vmqos.jar")).toAbsolutePath().normalize();
        String cp = Files.isRegularFile(jar) ? jar.toString() : System.getProperty("java.class.path");
        try (AgentProcess agent = AgentProcess.start(cfg, run, tmp.resolve("agent.log"), Map.of(), "--interval", "10s")) {
            assertThat(agent.await("control socket", Duration.ofSeconds(60))).as(agent.log()).isTrue();
            String[] inst = AgentProcess.cli(run, "hook", "install", "--dir", hooks.toString(), "--jar", cp, "--run-dir", run.toString(), "--cache-dir", tmp.resolve("cache").toString(), "--no-reload");
            assertThat(inst[0]).as(inst[2]).isEqualTo("0");
            Path hook = hooks.resolve("vmqos");
            String plain = "<domain type='qemu'><name>bench</name><vcpu>2</vcpu></domain>\n";
            String ours = "<domain type='qemu'><name>bench</name><vcpu>2</vcpu><metadata><vmqos:vm xmlns:vmqos='http://vmqos.io/xmlns/libvirt/1'>"
                    + "<vmqos:reservations vcpu='1ms/10ms' io='500us/10ms'/></vmqos:vm></metadata></domain>\n";
            Map<String, String[]> calls = new LinkedHashMap<>();
            calls.put("ignored call (start begin)", new String[] {plain, "start", "begin"});
            calls.put("no vmqos metadata (prepare begin)", new String[] {plain, "prepare", "begin"});
            calls.put("admission (prepare begin)", new String[] {ours, "prepare", "begin"});
            calls.put("release (release end)", new String[] {ours, "release", "end"});
            Map<String, List<Double>> ms = new LinkedHashMap<>();
            for (String k : calls.keySet()) ms.put(k, new ArrayList<>());
            for (int round = 0; round < ROUNDS; round++) {
                for (Map.Entry<String, String[]> c : calls.entrySet()) {
                    String[] a = c.getValue();
                    long t0 = System.nanoTime();
                    int exit = HookRun.of(hook, a[0], "bench", a[1], a[2]).exit();
                    double took = (System.nanoTime() - t0) / 1e6;
                    assertThat(exit).as(c.getKey() + "\n" + agent.log()).isZero();
                    if (round > 0) ms.get(c.getKey()).add(took); // the first round warms the page cache
                }
            }
            System.out.printf("BENCH libvirt hook run time over %d interleaved rounds (%s), ms:%n", ROUNDS - 1, cp.equals(jar.toString()) ? jar : "test class path");
            System.out.printf("BENCH   %-36s %8s %8s %8s%n", "call", "median", "p90", "max");
            for (Map.Entry<String, List<Double>> e : ms.entrySet()) {
                List<Double> v = new ArrayList<>(e.getValue());
                v.sort(null);
                System.out.printf("BENCH   %-36s %8.1f %8.1f %8.1f%n", e.getKey(), v.get(v.size() / 2), v.get((int) Math.ceil(v.size() * 0.9) - 1), v.getLast());
            }
            assertThat(agent.log()).contains("admitted at libvirt prepare begin");
        }
    }
}
