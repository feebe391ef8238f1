package io.vmqos.lab.agent;

import io.vmqos.core.SchedFlag;
import io.vmqos.core.SchedPolicy;
import io.vmqos.lab.LabNetwork;
import io.vmqos.lab.LabVm;
import io.vmqos.lab.Packages;
import io.vmqos.linux.LinuxThreadScheduler;
import io.vmqos.linux.ProcFs;
import io.vmqos.lab.AgentProcess;
import io.vmqos.testing.OneLabVm;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * The reclaim ceiling on the real kernel. Two lab VMs under two CFS hogs: {@code run} reclaims (vcpu 1ms/10ms, ceiling
 * 30%), {@code calm} does not (vcpu 2ms/10ms). The guest of {@code run} starts to spin: its vCPU thread, which with
 * SCHED_FLAG_RECLAIM could take up to 95% of a CPU, is back within its ceiling + 2 points within 1 s; {@code calm} keeps
 * answering pings within its reservation's bound; the CFS hogs keep at least the host reserve; once the guest calms
 * down its reclaim is given back.
 */
class AgentReclaimLabTest {
    @TempDir Path tmp;
    final ProcFs proc = new ProcFs();
    final LinuxThreadScheduler sched = new LinuxThreadScheduler();


    boolean reclaims(int tid) { return (sched.get(tid).flags() & SchedFlag.RECLAIM.bit()) != 0; }

    static Process ping(LabNetwork net, LabVm vm, int count) throws Exception {
        return new ProcessBuilder(LabNetwork.commandInNamespace(net.clientNamespace(), List.of("ping", "-q", "-i", "0.01", "-c", String.valueOf(count), vm.guestIp())))
                .redirectErrorStream(true).start();
    }

    /** min/avg/max of a finished {@code ping -q}, in ms. */
    static double[] rtt(Process p) throws Exception {
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
        Matcher m = Pattern.compile("= ([0-9.]+)/([0-9.]+)/([0-9.]+)/").matcher(out);
        assertThat(m.find()).as(out).isTrue();
        return new double[] {Double.parseDouble(m.group(1)), Double.parseDouble(m.group(2)), Double.parseDouble(m.group(3))};
    }

    long cpuNs(List<Process> hogs) {
        long s = 0;
        for (Process h : hogs) s += proc.cpuTimeNs((int) h.pid());
        return s;
    }

    @Test
    void aRunawayReclaimingThreadIsHeldToItsCeilingAndOthersKeepTheirShare() throws Exception {
        assumeTrue(!"false".equals(System.getProperty("vmqos.kernel.tests")), "kernel tests disabled (-Dvmqos.kernel.tests=false)");
        assumeTrue(Packages.isRoot(), "needs root: namespaces, taps, SCHED_DEADLINE");
        List<AutoCloseable> open = new ArrayList<>();
        List<Process> hogs = new ArrayList<>();
        try {
            Path q1 = tmp.resolve("run.qmp"), q2 = tmp.resolve("calm.qmp");
            OneLabVm run = OneLabVm.boot("r", q1, open), calm = OneLabVm.boot("c", q2, open);
            Path cfg = tmp.resolve("host.yaml");
            Files.writeString(cfg, "vms:\n"
                    + "  - name: run\n    qmp: " + q1 + "\n    reservations: {vcpu: 1ms/10ms, io: 1ms/10ms}\n    reclaim: true\n    reclaimCeiling: 30%\n"
                    + "  - name: calm\n    qmp: " + q2 + "\n    reservations: {vcpu: 2ms/10ms, io: 1ms/10ms}\n");
            Path rd = tmp.resolve("run");
            AgentProcess agent = AgentProcess.start(cfg, rd, tmp.resolve("agent.log"), Map.of(), "--interval", "10s");
            open.add(agent);
            open.add(() -> AgentProcess.cli(rd, "release", "-f", cfg.toString()));
            int runaway = run.vcpuTid(), other = calm.vcpuTid();
            long until = System.nanoTime() + 30_000_000_000L;
            while (!(sched.get(runaway).policy() == SchedPolicy.DEADLINE && sched.get(other).policy() == SchedPolicy.DEADLINE) && System.nanoTime() < until) {
                Thread.sleep(50);
            }
            assertThat(reclaims(runaway)).as(agent.log()).isTrue();
            assertThat(reclaims(other)).isFalse();

            for (int i = 0; i < 2; i++) hogs.add(new ProcessBuilder("sh", "-c", "while :; do :; done").start()); // CFS work on both CPUs
            Thread.sleep(1000);
            double[] before = rtt(ping(calm.net(), calm.vm(), 200));

            Process during = ping(calm.net(), calm.vm(), 400); // 4 s of pings while the other VM runs away
            long hog0 = cpuNs(hogs), t0 = System.nanoTime();
            System.out.println("spin requested at " + java.time.Instant.now());
            // the runaway's share of a CPU over sliding 200 ms windows: when is it back within 30% + 2 points?
            io.vmqos.testing.RunawayWatch w = io.vmqos.testing.RunawayWatch.spin(run, runaway, 5000, 0.32, 4_000_000_000L, this::reclaims);
            double peak = w.peak();
            long backAt = w.backAt(), startAt = w.startAt();
            boolean suspendedSeen = w.reclaimLost();
            long hogNs = cpuNs(hogs) - hog0, window = System.nanoTime() - t0;
            double[] dur = rtt(during);
            double hogShare = hogNs / (double) window;
            System.out.printf("reclaim ceiling: runaway vCPU peaked at %.1f%% of a CPU (200 ms windows), back within 32%% %.0f ms after it first took more"
                            + " (%.0f ms after the spin request);"
                            + " CFS hogs got %.2f CPUs; calm VM's ping min/avg/max %.2f/%.2f/%.2f ms before, %.2f/%.2f/%.2f ms during%n",
                    peak * 100, backAt < 0 || startAt < 0 ? -1 : (backAt - startAt) / 1e6, backAt < 0 ? -1 : (backAt - t0) / 1e6, hogShare, before[0], before[1], before[2], dur[0], dur[1], dur[2]);
            agent.log().lines().filter(l -> l.contains("reclaim")).forEach(System.out::println);
            assertThat(agent.log()).contains("vm run: ").contains("above its reclaim ceiling 30.0%: reclaim suspended");
            assertThat(startAt).as("the guest's spin made its vCPU take more than its ceiling").isPositive();
            assertThat(backAt - startAt).as("back within ceiling + 2 points within 1 s of starting to spin").isLessThan(1_000_000_000L);
            assertThat(hogShare).as("the host's CFS work keeps at least the host reserve (10% of 2 CPUs)").isGreaterThanOrEqualTo(0.2);
            // the calm VM's bound: vcpu 2ms/10ms and io 1ms/10ms, each at most period + deadline - 2 runtime: 16 + 18 ms
            assertThat(dur[1]).as("the calm VM keeps its latency while the other runs away").isLessThanOrEqualTo(Math.max(2 * before[1], before[1] + 2));
            assertThat(suspendedSeen).as("its reclaim suspended while it spins").isTrue();
            assertThat(agent.await("vm run: .* is calm again .*: reclaim given back", Duration.ofSeconds(15))).as(agent.log()).isTrue();
            long back = System.nanoTime() + 5_000_000_000L;
            while (!reclaims(runaway) && System.nanoTime() < back) Thread.sleep(20);
            assertThat(reclaims(runaway)).as("reclaim given back once calm").isTrue();
            assertThat(agent.term()).isIn(0, 143);
        } finally {
            for (Process h : hogs) h.destroyForcibly().waitFor();
            for (int i = open.size() - 1; i >= 0; i--) {
                try { open.get(i).close(); } catch (Exception e) { System.err.println("cleanup: " + e); }
            }
        }
    }
}
