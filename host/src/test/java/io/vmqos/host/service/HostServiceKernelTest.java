package io.vmqos.host.service;

import io.vmqos.analysis.ExplicitPolicy;
import io.vmqos.core.KernelLimits;
import io.vmqos.core.Reservation;
import io.vmqos.core.SchedAttributes;
import io.vmqos.core.SchedPolicy;
import io.vmqos.core.net.KernelThread;
import io.vmqos.core.vm.ThreadRole;
import io.vmqos.core.vm.VmThread;
import io.vmqos.core.vm.VmThreads;
import io.vmqos.host.KernelLedgerAccess;
import io.vmqos.host.PlanRefusedException;
import io.vmqos.host.Reserver;
import io.vmqos.host.reconcile.CrashPoints;
import io.vmqos.host.reconcile.HostAdapters;
import io.vmqos.host.reconcile.ReconcileFailedException;
import io.vmqos.host.state.HostRecord;
import io.vmqos.host.state.RecordStore;
import io.vmqos.linux.CpuPartitions;
import io.vmqos.linux.DeadlineLedger;
import io.vmqos.linux.KernelParameters;
import io.vmqos.linux.LinuxThreadScheduler;
import io.vmqos.linux.ProcFs;
import io.vmqos.linux.net.ClassStats;
import io.vmqos.linux.net.CommandRunner;
import io.vmqos.linux.net.Interrupts;
import io.vmqos.linux.net.IpRoute;
import io.vmqos.linux.net.KernelThreads;
import io.vmqos.linux.net.LinkShaper;
import io.vmqos.linux.net.NapiUnsupportedException;
import io.vmqos.linux.net.NetPathDiscovery;
import io.vmqos.linux.net.NetUnits;
import io.vmqos.linux.net.ProcessCommandRunner;
import io.vmqos.linux.net.ShapingException;
import io.vmqos.linux.net.SystemPathDiscovery;
import io.vmqos.linux.net.TapDiscovery;
import io.vmqos.linux.net.ThreadedNapi;
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
import java.util.Optional;
import java.util.concurrent.atomic.AtomicBoolean;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The pipeline on the real kernel with the real network adapters, without QEMU: namespaces {@code vqpath<tag>b}
 * (bridge br0, a tap, a veth end) and {@code vqpath<tag>c} (the veth's other end); a fake /proc tree makes a "VM" whose
 * fd is the tun device attached to the tap and whose network namespace is the bridge namespace, and whose one "vCPU"
 * is a real sleeping thread of this JVM. {@code vm reserve}'s desired state (threads, threaded NAPI along the path, its
 * NAPI threads, tc both ways) is applied, read back and released, and a failure at each step rolls everything back;
 * the host is compared before and after.
 */
@ExtendWith(HostGuard.class)
class HostServiceKernelTest {
    private static final Reservation VCPU = Reservation.of(1_000_000, 10_000_000);
    private static final Reservation NAPI = Reservation.of(500_000, 10_000_000);

    private final LinuxThreadScheduler sched = new LinuxThreadScheduler();
    private final KernelLimits limits = new KernelParameters().limits();
    private final DeadlineLedger ledger = new DeadlineLedger(sched);
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

    private VmThreads vm(String name) {
        return new VmThreads(4242, name, VmThreads.Source.PROC, List.of(new VmThread(vcpu.tid(0), ThreadRole.VCPU, "vcpu0", 0)));
    }

    private LinkShaper shaper(CommandRunner runner) { return new LinkShaper(new IpRoute(runner)); }

    /** The pipeline over the real kernel and network, the "VM" found through the fake /proc. */
    private HostService service(CommandRunner runner, boolean withTap) throws Exception {
        IpRoute ipr = new IpRoute(runner);
        ThreadedNapi napi = new ThreadedNapi(ipr, new KernelThreads());
        LinkShaper shaper = new LinkShaper(ipr);
        CpuPartitions partitions = CpuPartitions.available().orElse(CpuPartitions.none());
        HostAdapters adapters = new HostAdapters(reserve -> new Reserver(sched, new KernelLedgerAccess(ledger, new ProcFs()), limits, reserve), 0.10,
                napi, shaper, new Interrupts(), partitions);
        SystemPathDiscovery paths = new SystemPathDiscovery(ipr, fakeProc(withTap), new NetPathDiscovery(ipr, new KernelThreads(), new Interrupts()));
        SystemObserver observer = new SystemObserver(l -> { throw new UnsupportedOperationException(); }, paths, new ProcFs(), sched, ledger,
                new KernelParameters(), napi, shaper, new Interrupts(), partitions);
        return new HostService(adapters, observer, new RecordStore(tmp.resolve("run/state.json")), CrashPoints.NONE, () -> () -> { });
    }

    private static HostService.Outcome reserve(HostService s, VmThreads vm, ExplicitPolicy.Request req) {
        return s.reconcile(Scopes.vm(vm.name()), r -> ExplicitPolicy.desired(s.observer().observe(vm.name(), vm), req), List::of);
    }

    private static ExplicitPolicy.Request request(Reservation napi, boolean shape) {
        return new ExplicitPolicy.Request(VCPU, null, null, napi, shape ? Optional.of(NetUnits.shaping("100mbit", "200mbit", "15k")) : Optional.empty(),
                shape ? Optional.of(NetUnits.shaping("50mbit", "80mbit", "15k")) : Optional.empty(), false, false);
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
    void appliesReadsBackReleasesAndSecondApplyChangesNothing() throws Exception {
        String before = hostState();
        HostService s = service(new ProcessCommandRunner(), true);
        VmThreads vm = vm("vqpath-" + tag);
        HostService.Outcome o = reserve(s, vm, request(NAPI, true));
        try {
            System.out.println("reconcile: " + o.done());
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
            // tc classes with the expected rates, both ways
            LinkShaper sh = shaper(new ProcessCommandRunner());
            ClassStats egress = sh.stats(tap, brNs).classById(LinkShaper.TAP_CLASS_ID).orElseThrow();
            assertThat(egress.rateBits()).isEqualTo(100_000_000L);
            assertThat(egress.ceilBits()).isEqualTo(200_000_000L);
            HostRecord r = s.record();
            String ifb = r.shaping().stream().filter(e -> e.ifb() != null).findFirst().orElseThrow().ifb();
            ClassStats ingress = sh.stats(ifb, brNs).classById(LinkShaper.TAP_CLASS_ID).orElseThrow();
            assertThat(ingress.rateBits()).isEqualTo(50_000_000L);
            assertThat(ingress.ceilBits()).isEqualTo(80_000_000L);
            // the record: NAPI of both veth ends, both shapings, every reserved thread with its value before
            assertThat(r.napi()).hasSize(2);
            assertThat(r.shaping()).hasSize(2);
            assertThat(r.threads()).hasSize(1 + napiThreads.size());
            assertThat(r.threads()).allMatch(t -> t.before().toAttributes().policy() == SchedPolicy.OTHER);
            // applying again changes nothing
            assertThat(reserve(s, vm, request(NAPI, true)).done()).isEmpty();
        } finally {
            HostService.Outcome rel = s.release(Scopes.vm(vm.name()));
            System.out.println("release: " + rel.done());
        }
        assertThat(hostState()).isEqualTo(before);
        assertThat(s.record().isEmpty()).isTrue();
    }

    @Test
    void aDeviceWithoutNapiIsATypedErrorAndEverythingIsRolledBack() throws Exception {
        // an ifb as a later bridge port: the veth is threaded first, then the ifb refuses
        String ifb = "vqpi" + tag;
        ip.ip(brNs, "link", "add", ifb, "type", "ifb");
        ip.ip(brNs, "link", "set", ifb, "master", "br0");
        ip.ip(brNs, "link", "set", ifb, "up");
        String before = hostState();
        HostService s = service(new ProcessCommandRunner(), true);
        assertThatThrownBy(() -> reserve(s, vm("vqpath-" + tag), request(NAPI, true)))
                .isInstanceOf(ReconcileFailedException.class)
                .satisfies(e -> {
                    ReconcileFailedException f = (ReconcileFailedException) e;
                    System.out.println(f.getMessage());
                    assertThat(f.rolledBack()).as(f.undoProblems().toString()).isTrue();
                    assertThat(f.getCause()).isInstanceOf(NapiUnsupportedException.class);
                    assertThat(((NapiUnsupportedException) f.getCause()).device()).isEqualTo(ifb);
                });
        assertThat(hostState()).isEqualTo(before);
        assertThat(s.record().isEmpty()).isTrue();
    }

    @Test
    void aTcFailureMidwayRollsEverythingBack() throws Exception {
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
        HostService s = service(injecting, true);
        assertThatThrownBy(() -> reserve(s, vm("vqpath-" + tag), request(NAPI, true)))
                .isInstanceOf(ReconcileFailedException.class)
                .satisfies(e -> {
                    ReconcileFailedException f = (ReconcileFailedException) e;
                    System.out.println(f.getMessage());
                    assertThat(f.rolledBack()).as(f.undoProblems().toString()).isTrue();
                    assertThat(f.getCause()).isInstanceOf(ShapingException.class);
                    assertThat(f.undone()).anyMatch(u -> u.startsWith("shape egress of " + tap)).anyMatch(u -> u.startsWith("reserve"))
                            .anyMatch(u -> u.equals("threaded NAPI on " + vb + " in netns " + brNs));
                });
        assertThat(failed).isTrue();
        assertThat(hostState()).isEqualTo(before);
        assertThat(s.record().isEmpty()).isTrue();
    }

    @Test
    void aRefusedReservationPutsNapiBack() throws Exception {
        String before = hostState();
        HostService s = service(new ProcessCommandRunner(), true);
        // 99% per path thread cannot be admitted
        assertThatThrownBy(() -> reserve(s, vm("vqpath-" + tag), request(Reservation.of(9_900_000, 10_000_000), false)))
                .isInstanceOf(ReconcileFailedException.class)
                .satisfies(e -> {
                    assertThat(e.getCause()).isInstanceOf(PlanRefusedException.class);
                    assertThat(((ReconcileFailedException) e).undone()).anyMatch(u -> u.startsWith("threaded NAPI on " + vb));
                });
        assertThat(hostState()).isEqualTo(before);
    }

    @Test
    void sharedPathThreadsStayUntilTheLastScopeReleases() throws Exception {
        String before = hostState();
        HostService s = service(new ProcessCommandRunner(), true);
        VmThreads a = vm("vqpath-" + tag);
        VmThreads b = new VmThreads(4242, "vqpath-" + tag + "-2", VmThreads.Source.PROC, List.of());
        ExplicitPolicy.Request onlyNapi = new ExplicitPolicy.Request(null, null, null, NAPI, Optional.empty(), Optional.empty(), false, false);
        reserve(s, a, request(NAPI, false));
        try {
            reserve(s, b, onlyNapi);
            s.release(Scopes.vm(a.name()));
            for (KernelThread t : new KernelThreads().napiThreads(vb)) assertThat(sched.get(t.pid()).isDeadline()).isTrue();
            assertThat(ip.readSys(brNs, "/sys/class/net/" + vb + "/threaded")).isEqualTo("1");
            assertThat(sched.get(vcpu.tid(0)).policy()).isEqualTo(SchedPolicy.OTHER);
        } finally {
            s.release(Scopes.vm(b.name()));
            s.release(Scopes.vm(a.name()));
        }
        assertThat(hostState()).isEqualTo(before);
        assertThat(s.record().isEmpty()).isTrue();
    }

    @Test
    void twoScopesWantingAThreadDifferentlyIsAConflictThatChangesNothing() throws Exception {
        HostService s = service(new ProcessCommandRunner(), true);
        VmThreads a = vm("vqpath-" + tag);
        String before = hostState();
        reserve(s, a, request(null, false));
        try {
            VmThreads other = new VmThreads(4242, "vqpath-" + tag + "-x", VmThreads.Source.PROC, a.threads());
            ExplicitPolicy.Request more = new ExplicitPolicy.Request(Reservation.of(2_000_000, 10_000_000), null, null, null, Optional.empty(),
                    Optional.empty(), false, false);
            String held = hostState();
            assertThatThrownBy(() -> reserve(s, other, more)).isInstanceOf(PlanRefusedException.class).hasMessageContaining("also reserved by");
            assertThat(hostState()).isEqualTo(held);
        } finally {
            s.release(Scopes.vm(a.name()));
        }
        assertThat(hostState()).isEqualTo(before);
    }

}
