package io.vmqos.lab.calibrate;

import io.vmqos.core.StageKind;
import io.vmqos.core.net.KernelThread;
import io.vmqos.core.vm.VmThreads;
import io.vmqos.lab.BootGuard;
import io.vmqos.lab.Commands;
import io.vmqos.lab.GuestImage;
import io.vmqos.lab.LabNetwork;
import io.vmqos.lab.LabVm;
import io.vmqos.lab.NetnsExec;
import io.vmqos.lab.Packages;
import io.vmqos.lab.VmLauncher;
import io.vmqos.lab.load.ChildLoadRun;
import io.vmqos.lab.load.LoadResult;
import io.vmqos.lab.load.LoadSpec;
import io.vmqos.linux.ProcFs;
import io.vmqos.linux.net.KernelThreads;
import io.vmqos.qemu.VmDiscovery;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.Consumer;

/**
 * Runs {@code vmqos calibrate}: boots the lab VM in a fresh lab network, drives its paced UDP echo from the client
 * namespace at every point of the rates × sizes grid (in {@link CalibrationPlan} order), measures each stage's
 * threads' CPU time from schedstat over each point ({@link StageThreads}), and fits per stage
 * {@code CPU-ns/s = idle + perPacketNs·packets/s + perByteNs·bytes/s} ({@link CalibrationResult#analyse}).
 * Packets are counted as {@link PointMeasurement} defines: each echo request and each reply is one packet through
 * every stage.
 *
 * <p>The VM and both namespaces are removed on every exit — normal, exception, or Ctrl-C (they register with
 * the lab's {@link io.vmqos.lab.Cleanup} hook). It changes no scheduling attributes: the load client runs at
 * SCHED_FIFO {@link CalibrationOptions#clientPriority()} (it stands in for a remote client), set by {@code chrt}
 * on the child process only. Call from one thread; not re-entrant. Needs root.
 */
public final class Calibrator {
    /** Warm-up before the first point (ARP, guest caches, the load JVM's first start), not measured. */
    static final long WARM_UP_NS = 1_000_000_000L;
    private static final java.time.Duration ETHTOOL_TIMEOUT = java.time.Duration.ofSeconds(30);

    private final CalibrationOptions o;
    private final Consumer<String> progress;
    private final ProcFs proc = new ProcFs();

    public Calibrator(CalibrationOptions options, Consumer<String> progress) {
        this.o = options;
        this.progress = progress;
    }

    /**
     * Measures every point and fits the stages. Does not judge the fit: see {@link CalibrationResult#requireGoodFit}.
     *
     * @throws CalibrationException when a stage's threads are missing, the VM dies or a load run fails
     */
    public CalibrationResult run() throws IOException {
        step("checking packages");
        Packages.ensure(Packages.LAB);
        step("building the guest image (cached after the first run)");
        GuestImage image = GuestImage.ensureBuilt();
        // short id: "napi/vqb-kxyz-N" must fit the kernel's 15-character comm
        String id = "k" + Integer.toString(ThreadLocalRandom.current().nextInt(36 * 36 * 36), 36);
        int subnet = 100 + ThreadLocalRandom.current().nextInt(100);
        try (LabNetwork net = LabNetwork.create(id, subnet)) {
            routeUdpThroughNapi(net);
            step("booting the guest (" + o.vmCpus() + " vCPU; KVM if it boots, else TCG)");
            try (BootGuard guard = BootGuard.create(id);
                 LabVm vm = new VmLauncher().runRoot(guard.root()).launch(net.nextVm(image).withCpus(o.vmCpus()))) {
                step("guest up under " + vm.accel() + " in " + vm.bootTime().toMillis() + " ms; finding its threads via QMP");
                VmThreads threads = VmDiscovery.viaQmp(vm.qmpSocket());
                KernelThreads kt = new KernelThreads();
                List<KernelThread> napi = new ArrayList<>(kt.napiThreads(net.bridgeVeth()));
                napi.addAll(kt.napiThreads(net.clientVeth()));
                StageThreads stages = StageThreads.of(threads, napi);
                for (StageKind k : StageKind.values()) {
                    if (stages.tids().get(k).isEmpty()) {
                        throw new CalibrationException("found no " + k + " thread of the lab VM's packet path (" + stages + ")"
                                + (k == StageKind.NAPI ? "; threaded NAPI on " + net.bridgeVeth() + "/" + net.clientVeth() + " needs Linux 5.12+" : ""));
                    }
                }
                step("stage threads: " + stages);
                InetSocketAddress target = new InetSocketAddress(vm.guestIp(), vm.echoPort());
                List<String> prefix = List.of("chrt", "-f", String.valueOf(o.clientPriority()), "ip", "netns", "exec", net.clientNamespace());
                step("warm-up: 1s at " + o.rates().getFirst() + " req/s (not measured)");
                load(vm, prefix, LoadSpec.paced(target, o.rates().getFirst(), o.sizes().getFirst(), WARM_UP_NS));

                List<CalibrationPoint> plan = CalibrationPlan.order(o);
                List<PointMeasurement> points = new ArrayList<>(plan.size());
                for (int i = 0; i < plan.size(); i++) {
                    CalibrationPoint p = plan.get(i);
                    PointMeasurement m = measure(vm, stages, prefix, target, p);
                    points.add(m);
                    step(String.format(Locale.ROOT, "point %d/%d: %5d req/s x %4d B -> %6.0f pkt/s; CPU napi %5.2f%% io %5.2f%% vcpu %6.2f%%; loss %.2f%%",
                            i + 1, plan.size(), p.rate(), p.sizeBytes(), m.packetsPerSecond(),
                            m.cpuNsPerSecond(StageKind.NAPI) / 1e7, m.cpuNsPerSecond(StageKind.IO) / 1e7, m.cpuNsPerSecond(StageKind.VCPU) / 1e7,
                            m.requests() == 0 ? 0 : 100.0 * (m.requests() - m.replies()) / m.requests()));
                }
                return CalibrationResult.analyse(o, vm.accel().name(), hostKernel(), Instant.now(), points);
            }
        }
    }

    private PointMeasurement measure(LabVm vm, StageThreads stages, List<String> prefix, InetSocketAddress target, CalibrationPoint p) {
        List<Integer> gone = new ArrayList<>();
        EnumMap<StageKind, Long> before = stages.cpuNs(proc, gone);
        long t0 = System.nanoTime();
        LoadResult r = load(vm, prefix, LoadSpec.paced(target, p.rate(), p.sizeBytes(), o.durationNs()));
        long wall = System.nanoTime() - t0;
        EnumMap<StageKind, Long> after = stages.cpuNs(proc, gone);
        if (!gone.isEmpty()) {
            throw new CalibrationException("stage threads " + gone + " exited during the measurement; the VM or the lab network changed under us");
        }
        if (r.replies() == 0) {
            throw new CalibrationException("no echo reply came back at " + p.rate() + " req/s x " + p.sizeBytes() + " B; the guest's echo server is not answering");
        }
        EnumMap<StageKind, Long> used = new EnumMap<>(StageKind.class);
        for (StageKind k : StageKind.values()) used.put(k, Math.max(0, after.get(k) - before.get(k)));
        return new PointMeasurement(p, wall, r.requests(), r.replies(), used);
    }

    private static LoadResult load(LabVm vm, List<String> prefix, LoadSpec spec) {
        requireAlive(vm);
        try {
            LoadResult r = ChildLoadRun.run(prefix, spec);
            requireAlive(vm);
            return r;
        } catch (RuntimeException e) {
            requireAlive(vm);
            if (e instanceof CalibrationException c) throw c;
            throw new CalibrationException("the load run at " + spec.ratePerSecond() + " req/s failed: " + e.getMessage(), e);
        }
    }

    /**
     * Makes the lab veth pair carry UDP through its threaded NAPI, so that the NAPI stage has work to measure.
     * veth hands a packet to the receiving end's NAPI only when the packet is GRO-eligible: the sending end has no
     * TSO, or the packet comes from a local socket and the receiver does UDP GRO forwarding; otherwise it goes
     * through the per-CPU backlog (softirq, not a schedulable thread). The echo replies are forwarded from the
     * tap, so TSO off on both ends is what makes both directions use NAPI; UDP GRO forwarding is turned on too
     * where the kernel has it (5.12+).
     */
    static void routeUdpThroughNapi(LabNetwork net) {
        for (String[] end : new String[][] {{net.bridgeNamespace(), net.bridgeVeth()}, {net.clientNamespace(), net.clientVeth()}}) {
            Commands.check(NetnsExec.commandInNamespace(end[0], List.of("ethtool", "-K", end[1], "tso", "off")), ETHTOOL_TIMEOUT);
            Commands.run(NetnsExec.commandInNamespace(end[0], List.of("ethtool", "-K", end[1], "rx-udp-gro-forwarding", "on")), ETHTOOL_TIMEOUT);
        }
    }

    private static void requireAlive(LabVm vm) {
        if (!vm.isAlive()) throw new CalibrationException("the VM exited during calibration; its console log is " + vm.consoleLog());
    }

    static String hostKernel() {
        try {
            return Files.readString(Path.of("/proc/sys/kernel/osrelease")).strip();
        } catch (IOException e) {
            return System.getProperty("os.version");
        }
    }

    private void step(String s) { progress.accept(s); }
}
