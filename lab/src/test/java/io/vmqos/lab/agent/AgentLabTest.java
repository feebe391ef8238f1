package io.vmqos.lab.agent;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.vmqos.cli.Main;
import io.vmqos.core.SchedAttributes;
import io.vmqos.core.SchedPolicy;
import io.vmqos.lab.Accel;
import io.vmqos.lab.GuestImage;
import io.vmqos.lab.GuestImageBuilder;
import io.vmqos.lab.LabNetwork;
import io.vmqos.lab.LabVm;
import io.vmqos.lab.Packages;
import io.vmqos.lab.VmLauncher;
import io.vmqos.lab.VmSpec;
import io.vmqos.linux.LinuxThreadScheduler;
import io.vmqos.linux.ProcEvent;
import io.vmqos.linux.ProcEvents;
import io.vmqos.linux.ProcFs;
import io.vmqos.linux.net.IpRoute;
import io.vmqos.linux.net.LinkShaper;
import io.vmqos.lab.AgentProcess;
import io.vmqos.testing.HostGuard;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * {@code vmqos agent} on real lab VMs (TCG) and the real kernel: a VM's QEMU killed and started again on the same QMP
 * socket is reserved again each time (and the time from its new vCPU thread's appearance to its reservation is
 * printed), the configuration edited while the agent runs converges, bad input is logged and changes nothing for
 * that VM, and host-changing commands go through the running agent.
 */
@ExtendWith(HostGuard.class)
class AgentLabTest {
    static GuestImage image;
    static LabNetwork net;
    final LinuxThreadScheduler sched = new LinuxThreadScheduler();
    final ProcFs proc = new ProcFs();
    final List<AutoCloseable> open = new ArrayList<>();
    @TempDir Path tmp;

    @BeforeAll
    static void lab() {
        assumeTrue(!"false".equals(System.getProperty("vmqos.kernel.tests")), "kernel tests disabled (-Dvmqos.kernel.tests=false)");
        assumeTrue(Packages.isRoot(), "needs root: network namespaces, taps, SCHED_DEADLINE, the proc connector");
        assumeTrue(Files.exists(Path.of("/dev/net/tun")), "no /dev/net/tun on this machine");
        Packages.ensure(Packages.LAB);
        image = new GuestImageBuilder().installMissing(true).build();
        String id = "a" + Integer.toHexString(ThreadLocalRandom.current().nextInt(0x10000, 0xfffff));
        net = LabNetwork.create(id, 100 + ThreadLocalRandom.current().nextInt(100));
    }

    @AfterAll
    static void closeLab() {
        if (net != null) net.close();
    }

    @AfterEach
    void closeAll() {
        for (int i = open.size() - 1; i >= 0; i--) {
            try { open.get(i).close(); } catch (Exception e) { System.err.println("cleanup: " + e); }
        }
        open.clear();
    }

    private LabVm boot(VmSpec spec, Path qmp) {
        LabVm vm = new VmLauncher().accel(Accel.TCG).qmpSocket(qmp).launch(spec);
        open.add(vm);
        return vm;
    }

    private AgentProcess agent(Path config, Path runDir, Map<String, String> env, String... extra) throws Exception {
        AgentProcess a = AgentProcess.start(config, runDir, tmp.resolve("agent.log"), env, extra);
        open.add(a);
        return a;
    }

    /** The vCPU and main-loop threads of a QEMU process. */
    private List<Integer> vmThreads(long pid) {
        List<Integer> out = new ArrayList<>();
        for (int tid : proc.threadsOf((int) pid)) {
            String comm = proc.comm(tid).orElse("");
            if (tid == pid || comm.startsWith("CPU ")) out.add(tid);
        }
        return out;
    }

    private boolean allDeadline(List<Integer> tids) {
        for (int t : tids) {
            try {
                if (!sched.get(t).isDeadline()) return false;
            } catch (RuntimeException gone) {
                return false;
            }
        }
        return !tids.isEmpty();
    }

    private static boolean within(Duration d, java.util.function.BooleanSupplier cond) throws InterruptedException {
        long end = System.nanoTime() + d.toNanos();
        while (System.nanoTime() < end) {
            if (cond.getAsBoolean()) return true;
            Thread.sleep(5);
        }
        return cond.getAsBoolean();
    }

    private static String yaml(Path qmp, String name, String vcpu) {
        return "vms:\n  - name: " + name + "\n    qmp: " + qmp + "\n    reservations: {vcpu: " + vcpu + ", io: 1ms/10ms}\n";
    }

    /**
     * QEMU running the lab's guest kernel under TCG, without a network (the restarts need no traffic), its QMP socket at
     * {@code qmp}: what an operator's VM restarted by its supervisor looks like to the agent.
     */
    private Process qemu(Path qmp, String name) throws java.io.IOException {
        Process p = new ProcessBuilder("qemu-system-x86_64", "-name", name + ",debug-threads=on", "-accel", "tcg", "-m", "96", "-smp", "1",
                "-nodefaults", "-display", "none", "-no-reboot", "-kernel", image.kernel().toString(), "-initrd", image.initrd().toString(),
                "-append", "console=ttyS0 quiet panic=-1", "-serial", "null", "-qmp", "unix:" + qmp + ",server=on,wait=off")
                .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
        open.add(() -> { p.destroyForcibly(); p.waitFor(10, TimeUnit.SECONDS); });
        return p;
    }

    /** One sample of the agent's metrics endpoint, {@code name}'s value (-1 when it is not there or not readable). */
    static double metric(int metricsPort, String name) {
        try {
            String m = java.net.http.HttpClient.newHttpClient().send(java.net.http.HttpRequest.newBuilder(
                    java.net.URI.create("http://127.0.0.1:" + metricsPort + "/metrics")).build(), java.net.http.HttpResponse.BodyHandlers.ofString()).body();
            java.util.regex.Matcher c = java.util.regex.Pattern.compile("(?m)^" + java.util.regex.Pattern.quote(name) + " (\\S+)$").matcher(m);
            return c.find() ? Double.parseDouble(c.group(1)) : -1;
        } catch (java.io.IOException e) {
            return -1;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return -1;
        }
    }

    @Test
    void aVmRestartedTwentyTimesOnTheSameSocketIsReservedAgainEachTime() throws Exception {
        Path qmp = tmp.resolve("web1.qmp");
        Path cfg = tmp.resolve("host.yaml");
        Files.writeString(cfg, yaml(qmp, "web1", "2ms/10ms"));
        Process first = qemu(qmp, "web1");
        int metricsPort = AgentPrometheusLabTest.freePort();
        AgentProcess a = agent(cfg, tmp.resolve("run"), Map.of(), "--metrics", "127.0.0.1:" + metricsPort);
        assertThat(within(Duration.ofSeconds(30), () -> allDeadline(vmThreads(first.pid())))).as(a.log()).isTrue();

        LinkedBlockingQueue<ProcEvent.Comm> named = new LinkedBlockingQueue<>();
        List<Long> latenciesNs = new ArrayList<>();
        Process current = first;
        try (ProcEvents events = ProcEvents.open(e -> { if (e instanceof ProcEvent.Comm c && c.comm().startsWith("CPU ")) named.add(c); })) {
            assertThat(events.isOpen()).isTrue();
            for (int i = 0; i < 20; i++) {
                current.destroyForcibly();
                assertThat(current.waitFor(10, TimeUnit.SECONDS)).isTrue();
                named.clear();
                current = qemu(qmp, "web1");
                long pid = current.pid();
                ProcEvent.Comm c;
                do {
                    c = named.poll(30, TimeUnit.SECONDS);
                } while (c != null && c.tgid() != pid);
                assertThat(c).as("restart %d: the new QEMU's vCPU thread appeared", i).isNotNull();
                int tid = c.tid();
                long t0 = c.timestampNs();
                boolean reserved = within(Duration.ofSeconds(10), () -> {
                    try {
                        return sched.get(tid).isDeadline();
                    } catch (RuntimeException gone) {
                        return false;
                    }
                });
                long latency = System.nanoTime() - t0;
                assertThat(reserved).as("restart %d: vCPU thread %d reserved again; agent log:%n%s", i, tid, a.log()).isTrue();
                latenciesNs.add(latency);
                assertThat(within(Duration.ofSeconds(10), () -> allDeadline(vmThreads(pid)))).as("restart %d: main loop too", i).isTrue();
                // the next restart waits for the agent's reconcile of this one to return (its time to protect observed): a
                // QEMU killed as soon as its threads read DEADLINE can exit inside the reconcile's apply, which then fails
                // ("thread N exited during the apply") and is retried for the next QEMU, one observation for two restarts
                int restarts = i + 1; // the first start is a "start" reconcile, not a VM event: i + 1 restarts
                assertThat(within(Duration.ofSeconds(10), () -> metric(metricsPort, "vmqos_agent_protect_seconds_count") >= restarts))
                        .as("restart %d: the agent observed its time to protect; agent log:%n%s", i, a.log()).isTrue();
            }
        }
        List<Long> sorted = new ArrayList<>(latenciesNs);
        sorted.sort(null);
        System.out.printf("BENCH agent restart: new vCPU thread named -> reserved, over %d QEMU restarts on the same QMP socket: median %.1f ms, "
                        + "max %.1f ms (each: %s ms)%n", sorted.size(), sorted.get(sorted.size() / 2) / 1e6, sorted.getLast() / 1e6,
                latenciesNs.stream().map(n -> String.format("%.0f", n / 1e6)).toList());
        // the agent's own account of the same: each restart is one time-to-protect in its histogram (each one awaited above)
        double count = metric(metricsPort, "vmqos_agent_protect_seconds_count"), sum = metric(metricsPort, "vmqos_agent_protect_seconds_sum");
        assertThat(count).as("times to protect, one per restart; agent log:%n%s", a.log()).isGreaterThanOrEqualTo(20);
        assertThat(sum).as("the times to protect's sum").isGreaterThanOrEqualTo(0);
        System.out.printf("BENCH agent restart, as the agent measures it (event to reserved): mean %.1f ms over %.0f%n", sum / count * 1000, count);
        assertThat(a.term()).as("SIGTERM stops the agent").isIn(0, 143);
        assertThat(a.log()).contains("the reservations stay in place");
        long pid = current.pid();
        assertThat(allDeadline(vmThreads(pid))).as("the reservations outlive the agent").isTrue();
        release(cfg, tmp.resolve("run"));
        assertThat(vmThreads(pid)).allMatch(t -> sched.get(t).policy() == SchedPolicy.OTHER);
    }

    /** {@code vmqos ARGS} in this JVM with the agent's run directory: exit code, stdout, stderr. */
    static String[] cli(Path runDir, String... args) { return AgentProcess.cli(runDir, args); }

    /** {@code vmqos release -f} in this JVM with the agent's run directory. */
    private static void release(Path cfg, Path runDir) {
        String[] r = cli(runDir, "release", "-f", cfg.toString());
        assertThat(r[0]).as(r[2]).isEqualTo("0");
    }

    @Test
    void editingTheConfigurationWhileTheAgentRunsConverges() throws Exception {
        Path q1 = tmp.resolve("web1.qmp"), q2 = tmp.resolve("web2.qmp");
        LabVm v1 = boot(net.nextVm(image).withCpus(1), q1);
        LabVm v2 = boot(net.nextVm(image).withCpus(1), q2);
        Path cfg = tmp.resolve("host.yaml");
        Path run = tmp.resolve("run");
        Files.writeString(cfg, yaml(q1, "web1", "2ms/10ms"));
        AgentProcess a = agent(cfg, run, Map.of(), "--interval", "30s");
        List<Integer> t1 = vmThreads(v1.pid()), t2 = vmThreads(v2.pid());
        assertThat(within(Duration.ofSeconds(20), () -> allDeadline(t1))).as(a.log()).isTrue();
        assertThat(t2).noneMatch(t -> sched.get(t).isDeadline());

        // the reservation changed
        Files.writeString(cfg, yaml(q1, "web1", "3ms/10ms"));
        int vcpu1 = t1.stream().filter(t -> t != v1.pid()).findFirst().orElseThrow();
        assertThat(within(Duration.ofSeconds(10), () -> sched.get(vcpu1).runtimeNs() == 3_000_000)).as(a.log()).isTrue();
        // a VM added, with shaping
        Files.writeString(cfg, yaml(q1, "web1", "3ms/10ms") + yaml(q2, "web2", "1ms/10ms").replace("vms:\n", "")
                + "    shaping: {rate: 20mbit, ceil: 40mbit}\n");
        assertThat(within(Duration.ofSeconds(10), () -> allDeadline(t2))).as(a.log()).isTrue();
        String tap2 = v2.spec().tap();
        LinkShaper shaper = new LinkShaper(IpRoute.system());
        assertThat(within(Duration.ofSeconds(10), () -> shaper.stats(tap2, net.bridgeNamespace()).classById(LinkShaper.TAP_CLASS_ID)
                .map(c -> c.rateBits() == 20_000_000L).orElse(false))).as(a.log()).isTrue();
        // the shaping changed
        Files.writeString(cfg, yaml(q1, "web1", "3ms/10ms") + yaml(q2, "web2", "1ms/10ms").replace("vms:\n", "")
                + "    shaping: {rate: 30mbit, ceil: 40mbit}\n");
        assertThat(within(Duration.ofSeconds(10), () -> shaper.stats(tap2, net.bridgeNamespace()).classById(LinkShaper.TAP_CLASS_ID)
                .map(c -> c.rateBits() == 30_000_000L).orElse(false))).as(a.log()).isTrue();
        // `vmqos show` agrees with the file: both VMs' threads held by the agent's configuration
        JsonNode shown = show(run);
        for (int t : List.of(vcpu1, t2.getFirst())) {
            JsonNode th = null;
            for (JsonNode x : shown.get("threads")) if (x.get("tid").asInt() == t) th = x;
            assertThat(th).as("show lists thread %d", t).isNotNull();
            assertThat(th.get("heldBy").asText()).isIn("web1", "web2");
        }
        assertThat(shown.get("shaping").toString()).contains(tap2).contains("30000000");
        // a VM removed: everything of it put back
        Files.writeString(cfg, yaml(q1, "web1", "3ms/10ms"));
        assertThat(within(Duration.ofSeconds(10), () -> t2.stream().noneMatch(t -> sched.get(t).isDeadline()))).as(a.log()).isTrue();
        assertThat(within(Duration.ofSeconds(10), () -> shaper.stats(tap2, net.bridgeNamespace()).classById(LinkShaper.TAP_CLASS_ID).isEmpty()))
                .as(a.log()).isTrue();
        // a file that becomes invalid: logged with its place, the last good one kept
        Files.writeString(cfg, "vms:\n  - name: web1\n    qmp: " + q1 + "\n    reservations: {vcpu: -3ms/10ms}\n");
        assertThat(a.await("host.yaml:4:\\d+ .*keeping the last good one|not valid, keeping the last good one: .*host.yaml:4", Duration.ofSeconds(10)))
                .as(a.log()).isTrue();
        Thread.sleep(500);
        assertThat(sched.get(vcpu1).runtimeNs()).isEqualTo(3_000_000);
        assertThat(a.term()).isIn(0, 143);
        Files.writeString(cfg, yaml(q1, "web1", "3ms/10ms"));
        release(cfg, run);
    }

    /**
     * The safety net: a reservation another program takes away (no event tells the agent) is found by the periodic
     * check and put back; and while nothing changes the check reconciles nothing.
     */
    @Test
    void aReservationTakenAwayByAnotherProgramIsPutBackByThePeriodicCheck() throws Exception {
        Path q = tmp.resolve("web.qmp");
        LabVm v = boot(net.nextVm(image).withCpus(1), q);
        Path cfg = tmp.resolve("host.yaml");
        Path run = tmp.resolve("run");
        Files.writeString(cfg, yaml(q, "web", "1ms/10ms"));
        AgentProcess a = agent(cfg, run, Map.of(), "--interval", "1s");
        List<Integer> t = vmThreads(v.pid());
        assertThat(within(Duration.ofSeconds(20), () -> allDeadline(t))).as(a.log()).isTrue();
        Thread.sleep(3000); // three quiet checks
        int vcpu = t.stream().filter(x -> x != v.pid()).findFirst().orElseThrow();
        Process chrt = new ProcessBuilder("chrt", "-o", "-p", "0", String.valueOf(vcpu)).redirectErrorStream(true).start();
        assertThat(chrt.waitFor()).as(new String(chrt.getInputStream().readAllBytes())).isZero();
        assertThat(a.await("reconciled \\(thread " + vcpu + " \\(web vcpu0\\) is OTHER", Duration.ofSeconds(10))).as(a.log()).isTrue();
        assertThat(within(Duration.ofSeconds(5), () -> allDeadline(t))).as(a.log()).isTrue();
        assertThat(a.log()).doesNotContain("reconciled (periodic)");
        assertThat(a.term()).isIn(0, 143);
        release(cfg, run);
    }

    private JsonNode show(Path run) throws Exception {
        String[] r = cli(run, "show", "--json");
        assertThat(r[0]).as(r[2]).isEqualTo("0");
        return new ObjectMapper().readTree(r[1]);
    }

    @Test
    void badInputIsLoggedAndLeavesThatVmAlone() throws Exception {
        Path q1 = tmp.resolve("web1.qmp");
        LabVm v1 = boot(net.nextVm(image).withCpus(1), q1);
        // a socket that is not QMP: a server that answers garbage
        Path garbage = tmp.resolve("junk.qmp");
        var server = java.nio.channels.ServerSocketChannel.open(java.net.StandardProtocolFamily.UNIX);
        server.bind(java.net.UnixDomainSocketAddress.of(garbage));
        open.add(server);
        Thread.ofVirtual().start(() -> {
            while (server.isOpen()) {
                try (var c = server.accept()) {
                    c.write(java.nio.ByteBuffer.wrap("HTTP/1.1 400 Bad Request\r\n\r\n".getBytes()));
                } catch (Exception e) {
                    return;
                }
            }
        });
        // a pid that another program holds
        Process sleeper = new ProcessBuilder("sleep", "600").start();
        open.add(sleeper::destroyForcibly);
        Path cfg = tmp.resolve("host.yaml");
        Files.writeString(cfg, yaml(q1, "web1", "2ms/10ms") + "  - name: junk\n    qmp: " + garbage + "\n    reservations: {vcpu: 1ms/10ms}\n"
                + "  - name: reused\n    pid: " + sleeper.pid() + "\n    reservations: {vcpu: 1ms/10ms}\n");
        AgentProcess a = agent(cfg, tmp.resolve("run"), Map.of());
        assertThat(within(Duration.ofSeconds(20), () -> allDeadline(vmThreads(v1.pid())))).as(a.log()).isTrue();
        assertThat(a.await("vm junk: .*(not QMP|QMP)", Duration.ofSeconds(10))).as(a.log()).isTrue();
        assertThat(a.await("vm reused: .*not QEMU", Duration.ofSeconds(10))).as(a.log()).isTrue();
        assertThat(sched.get((int) sleeper.pid()).policy()).isEqualTo(SchedPolicy.OTHER);
        assertThat(a.alive()).isTrue();
        System.out.println(a.log());
        assertThat(a.term()).isIn(0, 143);
        release(cfg, tmp.resolve("run"));
    }

    @Test
    void hostChangingCommandsGoThroughTheRunningAgent() throws Exception {
        Path q1 = tmp.resolve("web1.qmp"), q2 = tmp.resolve("web2.qmp");
        LabVm v1 = boot(net.nextVm(image).withCpus(1), q1);
        LabVm v2 = boot(net.nextVm(image).withCpus(1), q2);
        Path cfg = tmp.resolve("host.yaml");
        Path run = tmp.resolve("run");
        Files.writeString(cfg, yaml(q1, "web1", "2ms/10ms"));
        AgentProcess a = agent(cfg, run, Map.of(), "--release-on-exit");
        assertThat(within(Duration.ofSeconds(20), () -> allDeadline(vmThreads(v1.pid())))).as(a.log()).isTrue();
        String[] r = cli(run, "vm", "reserve", "--qmp", q2.toString(), "--vcpu", "1ms/10ms", "--io", "500us/10ms");
        assertThat(r[0]).as(r[2]).isEqualTo("0");
        assertThat(allDeadline(vmThreads(v2.pid()))).isTrue();
        assertThat(a.log()).as("the agent ran it").doesNotContain("failed");
        // the agent refuses to release its own file (it would put it back at once)
        r = cli(run, "release", "-f", cfg.toString());
        assertThat(r[0]).isEqualTo(Integer.toString(Main.REFUSED));
        assertThat(r[2]).contains("the agent keeps");
        r = cli(run, "vm", "release", "--qmp", q2.toString());
        assertThat(r[0]).as(r[2]).isEqualTo("0");
        assertThat(vmThreads(v2.pid())).allMatch(t -> sched.get(t).policy() == SchedPolicy.OTHER);
        assertThat(a.term()).isIn(0, 143);
        assertThat(vmThreads(v1.pid())).as("--release-on-exit released").allMatch(t -> sched.get(t).policy() == SchedPolicy.OTHER);
        assertThat(SchedAttributes.other().policy()).isEqualTo(SchedPolicy.OTHER);
    }
}
