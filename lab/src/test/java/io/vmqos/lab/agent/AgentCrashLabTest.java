package io.vmqos.lab.agent;

import io.vmqos.cli.Main;
import io.vmqos.host.RunDir;
import io.vmqos.lab.Accel;
import io.vmqos.lab.GuestImage;
import io.vmqos.lab.GuestImageBuilder;
import io.vmqos.lab.LabNetwork;
import io.vmqos.lab.LabVm;
import io.vmqos.lab.Packages;
import io.vmqos.lab.VmLauncher;
import io.vmqos.lab.AgentProcess;
import io.vmqos.testing.HostGuard;
import io.vmqos.testing.HostSnapshot;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * {@code kill -9} of the agent at random points of the reconcile of 3 lab VMs with NAPI reservations, shaping and
 * {@code partitioned: true} (exclusive cpusets, pinned threads): after each restart the host equals the desired state,
 * and after {@code release -f} the state before the first apply (threads, tc, NAPI, IRQ affinity, cpusets), compared
 * by one snapshot function ({@link HostSnapshot}). The agent is stopped at an exact point of its executor
 * ({@code VMQOS_PAUSE_AT}) and then killed with SIGKILL.
 */
@ExtendWith(HostGuard.class)
class AgentCrashLabTest {
    static final int KILLS = Integer.getInteger("vmqos.crash.kills", 50);
    final List<AutoCloseable> open = new ArrayList<>();
    @TempDir Path tmp;
    LabNetwork net;
    GuestImage image;

    @BeforeEach
    void lab() {
        assumeTrue(!"false".equals(System.getProperty("vmqos.kernel.tests")), "kernel tests disabled (-Dvmqos.kernel.tests=false)");
        assumeTrue(Packages.isRoot(), "needs root: network namespaces, taps, SCHED_DEADLINE, cpusets");
        assumeTrue(Files.isDirectory(Path.of("/sys/fs/cgroup/cpuset")), "no cgroup v1 cpuset hierarchy: partitioned EDF is tested on v1 here");
        Packages.ensure(Packages.LAB);
        image = new GuestImageBuilder().installMissing(true).build();
        net = LabNetwork.create("k" + Integer.toHexString(new Random().nextInt(0x10000, 0xfffff)), 100 + new Random().nextInt(100));
        open.add(net);
    }

    @AfterEach
    void closeAll() {
        for (int i = open.size() - 1; i >= 0; i--) {
            try { open.get(i).close(); } catch (Exception e) { System.err.println("cleanup: " + e); }
        }
    }

    private int cli(Path run, String... args) {
        String old = System.getProperty(RunDir.PROPERTY);
        System.setProperty(RunDir.PROPERTY, run.toString());
        try {
            StringWriter out = new StringWriter(), err = new StringWriter();
            int code = Main.run(new PrintWriter(out, true), new PrintWriter(err, true), args);
            if (code != 0) System.err.println("vmqos " + String.join(" ", args) + ": " + err + out);
            return code;
        } finally {
            if (old == null) System.clearProperty(RunDir.PROPERTY);
            else System.setProperty(RunDir.PROPERTY, old);
        }
    }

    private static boolean settlesAt(String expected, java.util.function.Supplier<String> now, Duration d) throws InterruptedException {
        long end = System.nanoTime() + d.toNanos();
        while (System.nanoTime() < end) {
            if (now.get().equals(expected)) return true;
            Thread.sleep(50);
        }
        return now.get().equals(expected);
    }

    /** The snapshot once it has not changed for 1 s (the pinned NAPI threads are reserved once they have run). */
    private static String stable(java.util.function.Supplier<String> now) throws InterruptedException {
        String last = now.get();
        long since = System.nanoTime();
        while (System.nanoTime() - since < 1_000_000_000L) {
            Thread.sleep(100);
            String s = now.get();
            if (!s.equals(last)) {
                last = s;
                since = System.nanoTime();
            }
        }
        return last;
    }

    @Test
    void killedAtFiftyRandomPointsTheNextStartConvergesAndReleasePutsEverythingBack() throws Exception {
        List<LabVm> vms = new ArrayList<>();
        StringBuilder yaml = new StringBuilder("host: {partitioned: true}\nvms:\n");
        for (int i = 0; i < 3; i++) {
            Path qmp = tmp.resolve("vm" + i + ".qmp");
            LabVm vm = new VmLauncher().accel(Accel.TCG).qmpSocket(qmp).launch(net.nextVm(image).withCpus(1).withMemoryMiB(128));
            open.add(vm);
            vms.add(vm);
            yaml.append("  - name: vm").append(i).append("\n    qmp: ").append(qmp)
                    .append("\n    reservations: {vcpu: 1ms/10ms, io: 500us/10ms, napi: 200us/10ms}\n    shaping: {rate: ").append(10 * (i + 1)).append("mbit}\n");
        }
        // a little traffic over the lab's veth, so that its NAPI threads run: a pinned thread that sleeps is reserved
        // only once it has run on its CPU (the agent watches for that), and without traffic these never would
        for (LabVm vm : vms) {
            Process ping = new ProcessBuilder(LabNetwork.commandInNamespace(net.clientNamespace(), List.of("ping", "-q", "-i", "0.05", vm.guestIp())))
                    .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
            open.add(() -> { ping.destroyForcibly(); ping.waitFor(); });
        }
        Path cfg = tmp.resolve("host.yaml");
        Files.writeString(cfg, yaml);
        Path run = tmp.resolve("run");
        // whatever happens, put the host back (partitions above all: they split the host's root domain)
        open.add(1, () -> cli(run, "release", "-f", cfg.toString()));
        List<Long> pids = vms.stream().map(LabVm::pid).toList();
        java.util.function.Supplier<String> snapshot = () -> HostSnapshot.take(net, pids);
        String initial = snapshot.get();

        // one clean run: the desired state, and how many crash points a reconcile from scratch has
        AgentProcess counting = AgentProcess.start(cfg, run, tmp.resolve("count.log"), Map.of("VMQOS_PAUSE_AT", "count"));
        open.add(counting);
        assertThat(counting.await("reconciled \\(start\\)", Duration.ofSeconds(60))).as(counting.log()).isTrue();
        String desired = stable(snapshot);
        assertThat(desired).contains("cpuset vmqos-cpu0").contains("threaded=1").contains("htb").contains("DEADLINE");
        Matcher m = Pattern.compile("vmqos: crash point (\\d+) ").matcher(counting.log());
        int points = 0;
        while (m.find()) points = Math.max(points, Integer.parseInt(m.group(1)));
        assertThat(points).isGreaterThan(10);
        counting.term();
        assertThat(cli(run, "release", "-f", cfg.toString())).isZero();
        assertThat(snapshot.get()).isEqualTo(initial);
        System.out.println("desired state:\n" + desired + "a reconcile from scratch passes " + points + " crash points");

        Random random = new Random(Long.getLong("vmqos.crash.seed", System.nanoTime()));
        for (int k = 0; k < KILLS; k++) {
            int at = 1 + random.nextInt(points);
            Path log = tmp.resolve("kill" + k + ".log");
            AgentProcess victim = AgentProcess.start(cfg, run, log, Map.of("VMQOS_PAUSE_AT", Integer.toString(at)));
            open.add(victim);
            // a reconcile's points vary a little from run to run (a NAPI thread that has already run is reserved in the
            // first pass, one that sleeps in a later one): a point past the end kills the agent once it is done
            assertThat(victim.await("paused at crash point " + at + " |reconciled \\(start\\)", Duration.ofSeconds(60)))
                    .as("kill %d at point %d: %s", k, at, victim.log()).isTrue();
            String where = victim.log().lines().filter(l -> l.contains("paused at crash point")).findFirst()
                    .orElse("the end of the start reconcile (point " + at + " not reached)");
            victim.kill9();
            AgentProcess next = AgentProcess.start(cfg, run, tmp.resolve("restart" + k + ".log"), Map.of());
            open.add(next);
            assertThat(settlesAt(desired, snapshot, Duration.ofSeconds(60)))
                    .as("kill %d at %s: after the restart the host is the desired state; restart log:%n%s", k, where, next.log()).isTrue();
            next.term();
            assertThat(cli(run, "release", "-f", cfg.toString())).as("kill %d: release -f", k).isZero();
            assertThat(snapshot.get()).as("kill %d at %s: after release -f the host is as before the first apply", k, where).isEqualTo(initial);
        }
        System.out.println("agent killed with SIGKILL at " + KILLS + " random points of " + points + ": every restart converged, every release put the host back");
    }
}
