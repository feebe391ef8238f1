package io.vmqos.lab.agent;

import io.vmqos.lab.Accel;
import io.vmqos.lab.GuestImage;
import io.vmqos.lab.GuestImageBuilder;
import io.vmqos.lab.LabNetwork;
import io.vmqos.lab.LabVm;
import io.vmqos.lab.Packages;
import io.vmqos.lab.VmLauncher;
import io.vmqos.lab.AgentProcess;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * The agent's own CPU use while idle with 10 lab VMs (target: under 0.5% of a CPU): after the start reconcile, the
 * agent process's CPU time (utime + stime from /proc) over a window of {@code vmqos.idle.seconds} (60 s) that follows a
 * first one of the same length (printed too: the JIT still compiles then), the agent's JVM run as the launcher runs it
 * ({@link AgentProcess#DAEMON_JVM}; with both JIT tiers it measured 1.2%, still compiling in its second minute), with the
 * safety-net reconcile at its default 10 s. Run with {@code scripts/bench.sh -pl lab -am -Dtest=AgentIdleBenchmark}.
 */
@Tag("benchmark")
class AgentIdleBenchmark {
    @TempDir Path tmp;

    static long cpuTicks(long pid) throws Exception {
        String stat = Files.readString(Path.of("/proc/" + pid + "/stat"));
        String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
        return Long.parseLong(f[11]) + Long.parseLong(f[12]);
    }

    /** CPU ticks of each of the process's threads, by tid, with the thread's name. */
    static Map<String, Long> threadTicks(long pid) throws Exception {
        Map<String, Long> out = new java.util.TreeMap<>();
        try (var tasks = Files.list(Path.of("/proc/" + pid + "/task"))) {
            for (Path t : tasks.toList()) {
                try {
                    String stat = Files.readString(t.resolve("stat"));
                    String name = stat.substring(stat.indexOf('(') + 1, stat.lastIndexOf(')'));
                    String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
                    out.put(t.getFileName() + " " + name, Long.parseLong(f[11]) + Long.parseLong(f[12]));
                } catch (java.io.IOException gone) { }
            }
        }
        return out;
    }

    @Test
    void agentCpuWhileIdleWithTenVms() throws Exception {
        assumeTrue(Packages.isRoot(), "needs root");
        Packages.ensure(Packages.LAB);
        GuestImage image = new GuestImageBuilder().installMissing(true).build();
        int n = Integer.getInteger("vmqos.idle.vms", 10);
        long seconds = Long.getLong("vmqos.idle.seconds", 60);
        List<AutoCloseable> open = new ArrayList<>();
        try {
            LabNetwork net = LabNetwork.create("i" + Integer.toHexString(ThreadLocalRandom.current().nextInt(0x10000, 0xfffff)),
                    100 + ThreadLocalRandom.current().nextInt(100));
            open.add(net);
            StringBuilder yaml = new StringBuilder("vms:\n");
            for (int i = 0; i < n; i++) {
                Path qmp = tmp.resolve("vm" + i + ".qmp");
                LabVm vm = new VmLauncher().accel(Accel.TCG).qmpSocket(qmp).launch(net.nextVm(image).withCpus(1).withMemoryMiB(96));
                open.add(vm);
                yaml.append("  - name: vm").append(i).append("\n    qmp: ").append(qmp).append("\n    reservations: {vcpu: 500us/10ms, io: 200us/10ms}\n");
            }
            Path cfg = tmp.resolve("host.yaml");
            Files.writeString(cfg, yaml);
            Path run = tmp.resolve("run");
            AgentProcess agent = AgentProcess.start(AgentProcess.DAEMON_JVM, cfg, run, tmp.resolve("agent.log"), Map.of(),
                    "--interval", System.getProperty("vmqos.idle.interval", "10s"));
            open.add(agent);
            open.add(() -> AgentProcess.cli(run, "release", "-f", cfg.toString()));
            assertThat(agent.await("reconciled \\(start\\)", Duration.ofSeconds(120))).as(agent.log()).isTrue();
            Thread.sleep(3000);
            long hz = 100;
            // two windows back to back: the first still pays for the JIT compiling the reconcile's code paths, the
            // second is what the agent costs for as long as it runs
            double[] share = new double[2];
            int lines = 0;
            Map<String, Long> perThread = Map.of();
            for (int w = 0; w < 2; w++) {
                Map<String, Long> th0 = threadTicks(agent.pid());
                long c0 = cpuTicks(agent.pid()), t0 = System.nanoTime();
                int lines0 = agent.log().split("\n").length;
                Thread.sleep(seconds * 1000);
                long c1 = cpuTicks(agent.pid()), t1 = System.nanoTime();
                lines += agent.log().split("\n").length - lines0;
                share[w] = (c1 - c0) / (double) hz / ((t1 - t0) / 1e9);
                Map<String, Long> th1 = threadTicks(agent.pid());
                Map<String, Long> d = new java.util.TreeMap<>();
                th1.forEach((k, v) -> { long x = v - th0.getOrDefault(k, 0L); if (x > 0) d.put(k, x); });
                perThread = d;
            }
            StringBuilder top = new StringBuilder();
            perThread.entrySet().stream().sorted(Map.Entry.<String, Long>comparingByValue().reversed()).limit(8)
                    .forEach(e -> top.append(String.format(" %s=%.2f%%", e.getKey(), e.getValue() / (double) hz / seconds * 100)));
            System.out.printf("BENCH agent idle with %d lab VMs: %.2f%% of a CPU over %d s after a first %d s at %.2f%% (%d log lines meanwhile); by thread:%s%n",
                    n, share[1] * 100, seconds, seconds, share[0] * 100, lines, top);
            agent.term();
        } finally {
            for (int i = open.size() - 1; i >= 0; i--) {
                try { open.get(i).close(); } catch (Exception e) { System.err.println("cleanup: " + e); }
            }
        }
    }
}
