package io.vmqos.lab.agent;

import io.vmqos.core.SchedAttributes;
import io.vmqos.core.SchedPolicy;
import io.vmqos.lab.NetnsSockets;
import io.vmqos.lab.Packages;
import io.vmqos.linux.LinuxThreadScheduler;
import io.vmqos.linux.ProcFs;
import io.vmqos.lab.AgentProcess;
import io.vmqos.testing.OneLabVm;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.DatagramChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * Adaptive budgets on the real kernel: a lab VM whose vCPU is reserved 0.5ms/10ms with {@code adaptive: true} and a 40%
 * ceiling. Its guest spins for 16 s: the vCPU, held at its budget, gets 1.5 times more each 2 s window, up to the
 * ceiling; once the guest is idle again the runtime falls back after three windows. The runtime never leaves
 * [floor, ceiling], and every resize is a reconcile the agent logs.
 */
class AgentAdaptiveLabTest {
    @TempDir Path tmp;
    final ProcFs proc = new ProcFs();
    final LinuxThreadScheduler sched = new LinuxThreadScheduler();


    @Test
    void aVcpuHeldAtItsBudgetGrowsToItsCeilingAndFallsBackWhenIdle() throws Exception {
        assumeTrue(!"false".equals(System.getProperty("vmqos.kernel.tests")), "kernel tests disabled (-Dvmqos.kernel.tests=false)");
        assumeTrue(Packages.isRoot(), "needs root: namespaces, taps, SCHED_DEADLINE");
        List<AutoCloseable> open = new ArrayList<>();
        try {
            Path q = tmp.resolve("web.qmp");
            OneLabVm web = OneLabVm.boot("a", q, open);
            Path cfg = tmp.resolve("host.yaml");
            Files.writeString(cfg, "vms:\n  - name: web\n    qmp: " + q + "\n    reservations: {vcpu: 500us/10ms, io: 1ms/10ms}\n    adaptive: true\n    reclaimCeiling: 40%\n");
            Path rd = tmp.resolve("run");
            AgentProcess agent = AgentProcess.start(cfg, rd, tmp.resolve("agent.log"), Map.of(), "--interval", "10s");
            open.add(agent);
            open.add(() -> AgentProcess.cli(rd, "release", "-f", cfg.toString()));
            int tid = web.vcpuTid();
            long until = System.nanoTime() + 30_000_000_000L;
            while (sched.get(tid).policy() != SchedPolicy.DEADLINE && System.nanoTime() < until) Thread.sleep(50);
            assertThat(sched.get(tid).policy()).as(agent.log()).isEqualTo(SchedPolicy.DEADLINE);
            long floor = 500_000, ceiling = 4_000_000;

            long t0 = System.nanoTime();
            try (DatagramChannel ch = NetnsSockets.openDatagram(web.net().clientNamespace())) {
                ch.send(ByteBuffer.wrap("VMQOS-SPIN 16000".getBytes(StandardCharsets.US_ASCII)), new InetSocketAddress(web.vm().guestIp(), web.vm().echoPort()));
            }
            long max = 0, atCeiling = -1, fellAt = -1;
            List<String> seen = new ArrayList<>();
            while (System.nanoTime() - t0 < 34_000_000_000L) {
                Thread.sleep(100);
                SchedAttributes a = sched.get(tid);
                assertThat(a.policy()).isEqualTo(SchedPolicy.DEADLINE);
                assertThat(a.runtimeNs()).as("runtime within [floor, ceiling]").isBetween(floor, ceiling);
                assertThat(a.periodNs()).isEqualTo(10_000_000L);
                if (seen.isEmpty() || !seen.getLast().endsWith(" " + a.runtimeNs())) seen.add(String.format("%.1fs %d", (System.nanoTime() - t0) / 1e9, a.runtimeNs()));
                max = Math.max(max, a.runtimeNs());
                if (atCeiling < 0 && a.runtimeNs() == ceiling) atCeiling = System.nanoTime() - t0;
                if (atCeiling > 0 && fellAt < 0 && a.runtimeNs() < ceiling) fellAt = System.nanoTime() - t0;
            }
            System.out.printf("adaptive budget: vCPU runtimes (s since the spin, ns) %s; at the ceiling after %.1f s, down again after %.1f s (the spin ends at 16 s)%n",
                    seen, atCeiling / 1e9, fellAt / 1e9);
            agent.log().lines().filter(l -> l.contains("adaptive")).forEach(System.out::println);
            assertThat(atCeiling).as("the spinning vCPU reached its 40%% ceiling (runtimes %s)", seen).isPositive();
            // 0.5 -> 4 ms at 1.5x per 2 s window: 6 windows; a window's samples start 100 ms after the spin
            assertThat(atCeiling).as("within 7 windows").isLessThan(14_500_000_000L);
            assertThat(fellAt).as("fell back once idle (runtimes %s)", seen).isGreaterThan(16_000_000_000L);
            assertThat(agent.log()).contains("reconciled (adaptive budget: vm web vcpu0 500us -> ");
            assertThat(agent.term()).isIn(0, 143);
        } finally {
            for (int i = open.size() - 1; i >= 0; i--) {
                try { open.get(i).close(); } catch (Exception e) { System.err.println("cleanup: " + e); }
            }
        }
    }
}
