package io.vmqos.host;

import io.vmqos.core.KernelLimits;
import io.vmqos.core.Reservation;
import io.vmqos.core.SchedAttributes;
import io.vmqos.core.SchedPolicy;
import io.vmqos.core.ThreadChange;
import io.vmqos.core.net.KernelThread;
import io.vmqos.core.net.TapRef;
import io.vmqos.core.vm.ThreadRole;
import io.vmqos.core.vm.VmThread;
import io.vmqos.core.vm.VmThreads;
import io.vmqos.linux.DeadlineLedger;
import io.vmqos.linux.KernelParameters;
import io.vmqos.linux.LinuxThreadScheduler;
import io.vmqos.linux.ProcFs;
import io.vmqos.linux.net.ClassStats;
import io.vmqos.linux.net.CommandRunner;
import io.vmqos.linux.net.IpRoute;
import io.vmqos.linux.net.KernelThreads;
import io.vmqos.linux.net.LinkShaper;
import io.vmqos.linux.net.NapiUnsupportedException;
import io.vmqos.linux.net.NetUnits;
import io.vmqos.linux.net.ProcessCommandRunner;
import io.vmqos.linux.net.QdiscState;
import io.vmqos.linux.net.ShapingException;
import io.vmqos.linux.net.TapDiscovery;
import io.vmqos.testing.HostGuard;
import io.vmqos.testing.Root;
import io.vmqos.testing.TestThreads;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The path transaction on the real kernel, without QEMU: namespaces {@code vqpath<tag>b} (bridge br0, a tap, a veth
 * end) and {@code vqpath<tag>c} (the veth's other end); a fake /proc tree makes a "VM" whose fd is the tun device
 * attached to the tap and whose network namespace is the bridge namespace (symlinks into the real /proc and
 * /run/netns), and whose one "vCPU" is a real sleeping thread of this JVM. Checks apply, read-back, release and
 * rollback at every stage, comparing the host before and after.
 */
@ExtendWith(HostGuard.class)
class PathTransactionKernelTest {
    private static final Reservation VCPU = Reservation.of(1_000_000, 10_000_000);
    private static final Reservation NAPI = Reservation.of(500_000, 10_000_000);

    private final LinuxThreadScheduler sched = new LinuxThreadScheduler();
    private final KernelLimits limits = new KernelParameters().limits();
    private final Reserver reserver = new Reserver(sched, new KernelLedgerAccess(new DeadlineLedger(sched), new ProcFs()), limits, 0.10);
    private final IpRoute ip = IpRoute.system();
    private final List<String> namespaces = new ArrayList<>();
    private String tag, brNs, cliNs, tap, vb, vc;
    private TestThreads vcpu;
    @TempDir Path tmp;

    @BeforeEach
    void setUp() throws Exception {
        Root.assumeDeadlineCapable();
        tag = Integer.toString((int) (ProcessHandle.current().pid() % 1296), 36) + Integer.toString((int) (System.nanoTime() % 1296 & 0x7fffffff) % 1296, 36);
        brNs = ns("b");
        cliNs = ns("c");
        tap = "vqpt" + tag;
        vb = "vqpb" + tag;
        vc = "vqpc" + tag;
        ip.ip(brNs, "link", "add", "br0", "type", "bridge");
        ip.ip(brNs, "tuntap", "add", "dev", tap, "mode", "tap");
        ip.ip(brNs, "link", "set", tap, "master", "br0");
        ip.ip(brNs, "link", "add", vb, "type", "veth", "peer", "name", vc, "netns", cliNs);
        ip.ip(brNs, "link", "set", vb, "master", "br0");
        for (String[] d : new String[][] {{brNs, "br0"}, {brNs, vb}, {cliNs, vc}}) ip.ip(d[0], "link", "set", d[1], "up");
        vcpu = TestThreads.sleeping(1);
    }

    @AfterEach
    void tearDown() throws Exception {
        if (vcpu != null) vcpu.close();
        for (String n : namespaces.reversed()) ip.runner().run(List.of("ip", "netns", "del", n), null);
    }

    private String ns(String suffix) {
        String n = "vqpath" + tag + suffix;
        ip.ip(null, "netns", "add", n);
        namespaces.add(n);
        return n;
    }

    /** A fake /proc for "QEMU" pid 4242: fd 3 -> /dev/net/tun on the tap, ns/net -> the bridge namespace. */
    private TapDiscovery fakeProc(boolean withTap) throws Exception {
        Path proc = tmp.resolve("proc");
        Path p = proc.resolve("4242");
        Files.createDirectories(p.resolve("fd"));
        Files.createDirectories(p.resolve("fdinfo"));
        Files.createDirectories(p.resolve("ns"));
        Files.createDirectories(proc.resolve("self/ns"));
        Files.createSymbolicLink(proc.resolve("self/ns/net"), Path.of("/proc/self/ns/net"));
        Files.createSymbolicLink(p.resolve("ns/net"), Path.of("/run/netns", brNs));
        Files.createSymbolicLink(p.resolve("fd/0"), Path.of("/dev/null"));
        Files.writeString(p.resolve("fdinfo/0"), "pos:\t0\nflags:\t02\n");
        if (withTap) {
            Files.createSymbolicLink(p.resolve("fd/3"), Path.of("/dev/net/tun"));
            Files.writeString(p.resolve("fdinfo/3"), "pos:\t0\nflags:\t0104002\nmnt_id:\t25\nino:\t1087\niff:\t" + tap + "\n");
        }
        return new TapDiscovery(proc, Path.of("/run/netns"));
    }

    private VmThreads vm() {
        return new VmThreads(4242, "vqpath-" + tag, VmThreads.Source.PROC, List.of(new VmThread(vcpu.tid(0), ThreadRole.VCPU, "vcpu0", 0)));
    }

    private List<ThreadChange> vmChanges() {
        return List.of(new ThreadChange(vcpu.tid(0), SchedAttributes.deadline(VCPU), "vcpu0"));
    }

    private PathTransaction tx(CommandRunner runner, boolean withTap) throws Exception {
        return new PathTransaction(reserver, sched, new IpRoute(runner), fakeProc(withTap), new PathStateStore(tmp.resolve("run/path-state.json")));
    }

    /** Everything vmqos could change, as text: NAPI + GRO of both veth ends, qdiscs of tap/veth, scheduling of the napi threads and the vCPU. */
    private String hostState() {
        StringBuilder b = new StringBuilder();
        for (String[] d : new String[][] {{brNs, vb}, {cliNs, vc}}) {
            b.append(d[1]).append(" threaded=").append(ip.readSys(d[0], "/sys/class/net/" + d[1] + "/threaded"));
            b.append(" gro=").append(ip.ethtoolJson(d[0], "-k", d[1]).path(0).path("generic-receive-offload").path("active").asBoolean());
            b.append(" tso=").append(ip.ethtoolJson(d[0], "-k", d[1]).path(0).path("tcp-segmentation-offload").path("active").asBoolean());
            b.append('\n');
        }
        LinkShaper s = new LinkShaper(ip);
        b.append("tap qdiscs ").append(s.qdiscs(tap, brNs)).append('\n');
        b.append("veth qdiscs ").append(s.qdiscs(vb, brNs)).append('\n');
        b.append("ifbs ").append(ip.ipJson(brNs, "link", "show", "type", "ifb").findValuesAsText("ifname")).append('\n');
        b.append("vcpu ").append(sched.get(vcpu.tid(0)).describe()).append('\n');
        for (String dev : List.of(vb, vc)) {
            for (KernelThread t : new KernelThreads().napiThreads(dev)) b.append(t.comm()).append(' ').append(sched.get(t.pid()).policy()).append('\n');
        }
        return b.toString();
    }

    @Test
    void tapDiscoveryReadsFdinfoAndNamespace() throws Exception {
        assertThat(fakeProc(true).tapsOf(4242)).containsExactly(new TapRef(tap, brNs));
    }

    @Test
    void appliesReadsBackAndReleases() throws Exception {
        String before = hostState();
        PathTransaction tx = tx(new ProcessCommandRunner(), true);
        PathReport r = tx.apply(vm(), vmChanges(), new PathRequest(PathThreadSizing.explicit(NAPI),
                NetUnits.shaping("100mbit", "200mbit", "15k"), NetUnits.shaping("50mbit", "80mbit", "15k")));
        try {
            System.out.println("path: " + r.network().devices().stream().map(d -> d.name() + "(" + d.kind() + ")").toList()
                    + " napi " + r.napi() + " warnings " + r.warnings());
            assertThat(r.network().taps()).containsExactly(new TapRef(tap, brNs));
            assertThat(r.network().napiDevices()).extracting(d -> d.name()).containsExactly(vb, vc);
            // NAPI threads exist and are DEADLINE with the requested reservation
            for (String dev : List.of(vb, vc)) {
                List<KernelThread> ts = new KernelThreads().napiThreads(dev);
                assertThat(ts).as("napi threads of " + dev).isNotEmpty();
                for (KernelThread t : ts) {
                    SchedAttributes a = sched.get(t.pid());
                    assertThat(a.policy()).isEqualTo(SchedPolicy.DEADLINE);
                    assertThat(a.reservation()).isEqualTo(NAPI);
                }
            }
            assertThat(sched.get(vcpu.tid(0)).reservation()).isEqualTo(VCPU);
            // the NAPI threads really carry the packets (veth TSO off): both ends run during a ping flood
            ip.ip(brNs, "addr", "add", "10.252.0.1/24", "dev", "br0");
            ip.ip(cliNs, "addr", "add", "10.252.0.2/24", "dev", vc);
            java.util.Map<Integer, Long> c0 = new java.util.HashMap<>();
            ProcFs proc = new ProcFs();
            List<KernelThread> napiThreads = new ArrayList<>(new KernelThreads().napiThreads(vb));
            napiThreads.addAll(new KernelThreads().napiThreads(vc));
            for (KernelThread t : napiThreads) c0.put(t.pid(), proc.cpuTimeNs(t.pid()));
            ip.run(List.of("ip", "netns", "exec", cliNs, "ping", "-f", "-c", "2000", "-s", "1000", "-W", "1", "10.252.0.1"), null);
            for (KernelThread t : napiThreads) {
                assertThat(proc.cpuTimeNs(t.pid())).as(t.comm() + " ran during the flood").isGreaterThan(c0.get(t.pid()));
            }
            // tc classes with the expected rates
            ClassStats egress = tx.stats(tap, brNs).classById(LinkShaper.TAP_CLASS_ID).orElseThrow();
            assertThat(egress.rateBits()).isEqualTo(100_000_000L);
            assertThat(egress.ceilBits()).isEqualTo(200_000_000L);
            String ifb = r.shaped().get(1).ifb().orElseThrow();
            ClassStats ingress = tx.stats(ifb, brNs).classById(LinkShaper.TAP_CLASS_ID).orElseThrow();
            assertThat(ingress.rateBits()).isEqualTo(50_000_000L);
            assertThat(ingress.ceilBits()).isEqualTo(80_000_000L);
            // state file
            PathState st = tx.store().read();
            assertThat(st.vms()).containsKey("vqpath-" + tag);
            assertThat(st.vms().get("vqpath-" + tag).napi()).hasSize(2);
            assertThat(st.vms().get("vqpath-" + tag).shaped()).hasSize(2);
            assertThatThrownBy(() -> tx.apply(vm(), vmChanges(), new PathRequest(PathThreadSizing.explicit(NAPI), null, null)))
                    .hasMessageContaining("already has path reservations");
        } finally {
            PathReleaseReport rel = tx.release(vm());
            assertThat(rel.problems()).isEmpty();
            assertThat(rel.recorded()).isTrue();
        }
        assertThat(hostState()).isEqualTo(before);
        assertThat(Files.exists(tmp.resolve("run/path-state.json"))).isFalse();
    }

    @Test
    void vmWithoutTapIsRefusedNamingIt() throws Exception {
        String before = hostState();
        PathTransaction tx = tx(new ProcessCommandRunner(), false);
        assertThatThrownBy(() -> tx.apply(vm(), vmChanges(), new PathRequest(PathThreadSizing.explicit(NAPI), null, null)))
                .isInstanceOf(PathTransactionException.class)
                .hasMessageContaining("VM vqpath-" + tag).hasMessageContaining("has no tap").hasMessageContaining("-netdev tap");
        assertThat(hostState()).isEqualTo(before);
    }

    @Test
    void deviceWithoutNapiIsATypedErrorAndRollsBack() throws Exception {
        // an ifb as a later bridge port: the veth is threaded first, then the ifb refuses
        String ifb = "vqpi" + tag;
        ip.ip(brNs, "link", "add", ifb, "type", "ifb");
        ip.ip(brNs, "link", "set", ifb, "master", "br0");
        ip.ip(brNs, "link", "set", ifb, "up");
        String before = hostState();
        PathTransaction tx = tx(new ProcessCommandRunner(), true);
        assertThatThrownBy(() -> tx.apply(vm(), vmChanges(), new PathRequest(PathThreadSizing.explicit(NAPI),
                NetUnits.shaping("100mbit", "100mbit", "15k"), null)))
                .isInstanceOf(PathTransactionException.class)
                .satisfies(e -> {
                    PathTransactionException p = (PathTransactionException) e;
                    assertThat(p.stage()).isEqualTo(PathTransactionException.Stage.NAPI);
                    assertThat(p.rolledBack()).isTrue();
                    assertThat(p.getCause()).isInstanceOf(NapiUnsupportedException.class);
                    assertThat(((NapiUnsupportedException) p.getCause()).device()).isEqualTo(ifb);
                    System.out.println(p.getMessage());
                });
        assertThat(hostState()).isEqualTo(before);
        assertThat(tx.store().read().vms()).isEmpty();
    }

    @Test
    void tcFailureMidwayRollsEverythingBack() throws Exception {
        String before = hostState();
        AtomicBoolean failed = new AtomicBoolean();
        ProcessCommandRunner real = new ProcessCommandRunner();
        CommandRunner injecting = (argv, stdin) -> {
            // the VM class of the ingress ifb: after egress shaping, NAPI and reservations are all in place
            if (argv.contains("class") && argv.contains("1:10") && argv.stream().anyMatch(a -> a.startsWith("vqi"))) {
                failed.set(true);
                return new CommandRunner.CommandResult(argv, 2, "", "RTNETLINK answers: No buffer space available (injected)");
            }
            return real.run(argv, stdin);
        };
        PathTransaction tx = tx(injecting, true);
        assertThatThrownBy(() -> tx.apply(vm(), vmChanges(), new PathRequest(PathThreadSizing.explicit(NAPI),
                NetUnits.shaping("100mbit", "200mbit", "15k"), NetUnits.shaping("50mbit", "80mbit", "15k"))))
                .isInstanceOf(PathTransactionException.class)
                .satisfies(e -> {
                    PathTransactionException p = (PathTransactionException) e;
                    System.out.println(p.getMessage());
                    assertThat(p.stage()).isEqualTo(PathTransactionException.Stage.SHAPE);
                    assertThat(p.rolledBack()).as(p.rollbackProblems().toString()).isTrue();
                    assertThat(p.getCause()).isInstanceOf(ShapingException.class);
                    assertThat(p.getMessage()).contains("tc removed from " + tap).contains("thread(s) put back").contains("NAPI restored on " + vb);
                });
        assertThat(failed).isTrue();
        assertThat(hostState()).isEqualTo(before);
        assertThat(tx.store().read().vms()).isEmpty();
    }

    @Test
    void refusedReservationRestoresNapi() throws Exception {
        String before = hostState();
        PathTransaction tx = tx(new ProcessCommandRunner(), true);
        // 99% per path thread cannot be admitted
        assertThatThrownBy(() -> tx.apply(vm(), vmChanges(), new PathRequest(PathThreadSizing.explicit(Reservation.of(9_900_000, 10_000_000)), null, null)))
                .isInstanceOf(PathTransactionException.class)
                .satisfies(e -> {
                    assertThat(((PathTransactionException) e).stage()).isEqualTo(PathTransactionException.Stage.RESERVE);
                    assertThat(e.getCause()).isInstanceOf(PlanRefusedException.class);
                    assertThat(e.getMessage()).contains("NAPI restored on " + vb);
                });
        assertThat(hostState()).isEqualTo(before);
    }

    @Test
    void sharedPathThreadsStayUntilTheLastVmReleases() throws Exception {
        String before = hostState();
        PathTransaction tx = tx(new ProcessCommandRunner(), true);
        VmThreads a = vm();
        VmThreads b = new VmThreads(4242, "vqpath-" + tag + "-2", VmThreads.Source.PROC, List.of());
        tx.apply(a, vmChanges(), new PathRequest(PathThreadSizing.explicit(NAPI), null, null));
        try {
            tx.apply(b, List.of(), new PathRequest(PathThreadSizing.explicit(NAPI), null, null));
            PathReleaseReport ra = tx.release(a);
            assertThat(ra.handedOver()).isNotEmpty();
            for (KernelThread t : new KernelThreads().napiThreads(vb)) assertThat(sched.get(t.pid()).isDeadline()).isTrue();
            assertThat(ip.readSys(brNs, "/sys/class/net/" + vb + "/threaded")).isEqualTo("1");
        } finally {
            tx.release(b);
            tx.release(a);
        }
        assertThat(hostState()).isEqualTo(before);
    }
}
