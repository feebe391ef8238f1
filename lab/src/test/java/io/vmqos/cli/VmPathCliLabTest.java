package io.vmqos.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.vmqos.core.SchedAttributes;
import io.vmqos.core.SchedPolicy;
import io.vmqos.core.net.KernelThread;
import io.vmqos.core.net.TapRef;
import io.vmqos.host.RunDir;
import io.vmqos.host.service.SystemHost;
import io.vmqos.lab.Accel;
import io.vmqos.lab.Commands;
import io.vmqos.lab.GuestImage;
import io.vmqos.lab.GuestImageBuilder;
import io.vmqos.lab.LabNetwork;
import io.vmqos.lab.LabVm;
import io.vmqos.lab.Packages;
import io.vmqos.lab.VmLauncher;
import io.vmqos.linux.LinuxThreadScheduler;
import io.vmqos.linux.net.IpRoute;
import io.vmqos.linux.net.KernelThreads;
import io.vmqos.linux.net.LinkShaper;
import io.vmqos.linux.net.NetPathException;
import io.vmqos.linux.net.TapDiscovery;
import io.vmqos.testing.HostGuard;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
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
import java.util.concurrent.ThreadLocalRandom;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * {@code vmqos vm reserve --napi --shape}, {@code vm show}, {@code show} and {@code vm release} on a real lab VM
 * (TCG): tap discovery from the QEMU process, NAPI threads of both veth ends reserved, tc classes on the tap and the
 * ingress ifb, everything back as found after release; and a QEMU without any netdev refused by name.
 */
@ExtendWith(HostGuard.class)
class VmPathCliLabTest {
    static GuestImage image;
    final List<AutoCloseable> open = new ArrayList<>();
    final LinuxThreadScheduler sched = new LinuxThreadScheduler();
    final IpRoute ip = IpRoute.system();
    @TempDir Path tmp;
    String out, err;

    @BeforeEach
    void ownRunDirectory() { System.setProperty(RunDir.PROPERTY, tmp.resolve("run").toString()); }

    @AfterEach
    void defaultRunDirectory() { System.clearProperty(RunDir.PROPERTY); }

    @BeforeAll
    static void buildImage() {
        assumeTrue(!"false".equals(System.getProperty("vmqos.kernel.tests")), "kernel tests disabled (-Dvmqos.kernel.tests=false)");
        assumeTrue(Packages.isRoot(), "needs root: network namespaces, taps, SCHED_DEADLINE");
        assumeTrue(Files.exists(Path.of("/dev/net/tun")), "no /dev/net/tun on this machine");
        Packages.ensure(Packages.LAB);
        image = new GuestImageBuilder().installMissing(true).build();
    }

    @AfterEach
    void closeAll() {
        for (int i = open.size() - 1; i >= 0; i--) {
            try { open.get(i).close(); } catch (Exception e) { System.err.println("cleanup: " + e); }
        }
    }

    private int run(String... args) {
        StringWriter o = new StringWriter(), e = new StringWriter();
        int code = Main.run(new PrintWriter(o, true), new PrintWriter(e, true), args);
        out = o.toString();
        err = e.toString();
        return code;
    }

    private String hostState(LabNetwork net) {
        StringBuilder b = new StringBuilder();
        for (String[] d : new String[][] {{net.bridgeNamespace(), net.bridgeVeth()}, {net.clientNamespace(), net.clientVeth()}}) {
            b.append(d[1]).append(" threaded=").append(ip.readSys(d[0], "/sys/class/net/" + d[1] + "/threaded"));
            b.append(" tso=").append(ip.ethtoolJson(d[0], "-k", d[1]).path(0).path("tcp-segmentation-offload").path("active").asBoolean()).append('\n');
            for (KernelThread t : new KernelThreads().napiThreads(d[1])) b.append(t.comm()).append(' ').append(sched.get(t.pid()).describe()).append('\n');
        }
        b.append(new LinkShaper(ip).qdiscs("tap0", net.bridgeNamespace())).append('\n');
        b.append(ip.ipJson(net.bridgeNamespace(), "link", "show", "type", "ifb").findValuesAsText("ifname")).append('\n');
        return b.toString();
    }

    @Test
    void reserveShowReleaseWithPathOnARealVm() throws Exception {
        String id = "p" + Integer.toHexString(ThreadLocalRandom.current().nextInt(0x10000, 0xfffff));
        LabNetwork net = LabNetwork.create(id, 100 + ThreadLocalRandom.current().nextInt(100));
        open.add(net);
        LabVm vm = new VmLauncher().accel(Accel.TCG).launch(net.nextVm(image).withCpus(1));
        open.add(vm);

        assertThat(new TapDiscovery().tapsOf((int) vm.pid())).containsExactly(new TapRef("tap0", net.bridgeNamespace()));

        String before = hostState(net);
        String qmp = vm.qmpSocket().toString();
        assertThat(run("vm", "reserve", "--qmp", qmp, "--vcpu", "2ms/10ms", "--io", "1ms/10ms", "--napi", "500us/10ms",
                "--shape", "100mbit,200mbit,15k", "--shape-ingress", "50mbit", "--steer-irqs", "--json")).as(err).isZero();
        try {
            JsonNode r = new ObjectMapper().readTree(out);
            // the lab's path (tap, bridge, veth) has no NIC IRQ: --steer-irqs moves nothing and warns of nothing
            assertThat(r.get("steps").toString()).doesNotContain("IRQ").contains("threaded NAPI on " + net.bridgeVeth())
                    .contains("threaded NAPI on " + net.clientVeth()).contains("shape egress of tap0").contains("shape ingress of tap0");
            assertThat(r.get("notes").toString()).doesNotContain("IRQ");
            System.out.println("reserve: steps " + r.get("steps") + " notes " + r.get("notes"));
            for (String dev : List.of(net.bridgeVeth(), net.clientVeth())) {
                List<KernelThread> ts = new KernelThreads().napiThreads(dev);
                assertThat(ts).isNotEmpty();
                for (KernelThread t : ts) {
                    SchedAttributes a = sched.get(t.pid());
                    assertThat(a.policy()).as(t.comm()).isEqualTo(SchedPolicy.DEADLINE);
                    assertThat(a.runtimeNs()).isEqualTo(500_000);
                }
            }
            Commands.Result ping = Commands.run(LabNetwork.commandInNamespace(net.clientNamespace(),
                    List.of("ping", "-c", "5", "-i", "0.2", "-W", "5", vm.guestIp())), Duration.ofSeconds(30));
            assertThat(ping.exitCode()).as(ping.stdout() + ping.stderr()).isZero();

            assertThat(run("vm", "show", "--qmp", qmp, "--sample", "100ms", "--json")).as(err).isZero();
            JsonNode show = new ObjectMapper().readTree(out).get("network");
            assertThat(show.get("paths").get(0).get("bridge").asText()).isEqualTo("br0");
            assertThat(show.get("paths").get(0).toString()).contains(net.bridgeVeth()).contains("DEADLINE");
            JsonNode tapStats = show.get("shaping").get(0);
            assertThat(tapStats.get("device").asText()).isEqualTo("tap0");
            JsonNode vmClass = null;
            for (JsonNode c : tapStats.get("classes")) if (c.get("classId").asText().equals("1:10")) vmClass = c;
            assertThat(vmClass).isNotNull();
            assertThat(vmClass.get("rateBits").asLong()).isEqualTo(100_000_000L);
            assertThat(vmClass.get("ceilBits").asLong()).isEqualTo(200_000_000L);
            assertThat(vmClass.get("packets").asLong()).as("ping replies went through the class").isPositive();
            assertThat(show.get("shaping").size()).as("tap and ingress ifb").isEqualTo(2);
            assertThat(run("vm", "show", "--qmp", qmp, "--sample", "100ms")).as(err).isZero();
            System.out.println(out);

            assertThat(run("show", "--json")).as(err).isZero();
            assertThat(new ObjectMapper().readTree(out).get("shaping").get(0).get("vm").asText()).isEqualTo(vm.spec().name());
            assertThat(run("show")).as(err).isZero();
            assertThat(out).contains("vmqos-shaped devices").contains("tap0");
        } finally {
            assertThat(run("vm", "release", "--qmp", qmp)).as(err + out).isZero();
            System.out.println(out);
        }
        assertThat(hostState(net)).isEqualTo(before);
        assertThat(SystemHost.store().read().record().isEmpty()).as("nothing left recorded").isTrue();
        assertThat(run("vm", "release", "--qmp", qmp)).as("a second release is harmless").isZero();
    }

    @Test
    void qemuWithoutNetdevIsRefusedByName() throws Exception {
        Path sock = tmp.resolve("qmp.sock");
        Process q = new ProcessBuilder("qemu-system-x86_64", "-name", "vqpathnonet,debug-threads=on", "-nodefaults", "-display", "none",
                "-accel", "tcg", "-S", "-qmp", "unix:" + sock + ",server=on,wait=off").redirectErrorStream(true)
                .redirectOutput(tmp.resolve("qemu.log").toFile()).start();
        open.add(() -> { q.destroy(); if (!q.waitFor(5, java.util.concurrent.TimeUnit.SECONDS)) q.destroyForcibly().waitFor(); });
        long end = System.nanoTime() + 20_000_000_000L;
        while (!Files.exists(sock) && System.nanoTime() < end) Thread.sleep(50);
        assertThat(sock).exists();
        int pid = (int) q.pid();
        assertThat(new TapDiscovery().tapsOf(pid)).isEmpty();
        assertThatThrownBy(() -> new TapDiscovery().requireTaps(pid, "vqpathnonet"))
                .isInstanceOf(NetPathException.class).hasMessageContaining("VM vqpathnonet").hasMessageContaining("-netdev tap");
        assertThat(run("vm", "reserve", "--qmp", sock.toString(), "--vcpu", "1ms/10ms", "--io", "1ms/10ms", "--napi", "500us/10ms"))
                .isEqualTo(Main.REFUSED);
        System.out.println(err);
        assertThat(err).contains("VM vqpathnonet").contains("has no tap");
        for (int tid : new io.vmqos.linux.ProcFs().threadsOf(pid)) assertThat(sched.get(tid).policy()).isEqualTo(SchedPolicy.OTHER);
        assertThat(SystemHost.store().read().record().isEmpty()).as("nothing recorded").isTrue();
    }
}
