package io.vmqos.lab.demo;

import io.vmqos.core.Reservation;
import io.vmqos.host.PathRequest;
import io.vmqos.host.PathStateStore;
import io.vmqos.host.PathThreadSizing;
import io.vmqos.host.PathTransaction;
import io.vmqos.host.Reserver;
import io.vmqos.host.VmReservationPlan;
import io.vmqos.lab.GuestImage;
import io.vmqos.lab.LabNetwork;
import io.vmqos.lab.LabVm;
import io.vmqos.lab.VmLauncher;
import io.vmqos.lab.load.ChildLoadRun;
import io.vmqos.lab.load.LoadResult;
import io.vmqos.lab.load.LoadSpec;
import io.vmqos.linux.ThreadScheduler;
import io.vmqos.linux.net.IpRoute;
import io.vmqos.linux.net.NetUnits;
import io.vmqos.linux.net.ShapingSpec;
import io.vmqos.linux.net.VmShare;
import io.vmqos.linux.net.TapDiscovery;
import io.vmqos.qemu.VmDiscovery;
import io.vmqos.qemu.VmThreads;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CompletableFuture;
import java.util.function.Consumer;
import java.util.function.Supplier;

/**
 * The flood pair of the demo: a second lab VM (the "flooded" one, 1 vCPU) on the same bridge receives bulk UDP
 * echo traffic from the client namespace (1400-byte requests, 256 outstanding) during the protected VM's
 * measurement, so both share the veth's NAPI threads, the bridge and the CPU.
 * <ul>
 *   <li>{@link Scenario#NOISY_FLOOD}: the protected VM gets only its own thread reservations (as noisy+vmqos).</li>
 *   <li>{@link Scenario#NOISY_FLOOD_VMQOS}: one {@link PathTransaction} gives the protected VM its thread
 *       reservations plus, on every NAPI thread of its path (both veth ends), a reservation sized from a flood warm-up, and shapes its tap to
 *       {@link #PROTECTED}; a second one shapes the flooded VM's tap, both directions, to {@link #FLOOD_CEILING}.
 *       Everything is released after the run.</li>
 * </ul>
 * The path state file lives in a private temporary directory, not in {@code /run/vmqos}. Owned by
 * {@link DemoRunner}'s thread; {@link #close()} stops the flooded VM.
 */
final class FloodScenarios implements AutoCloseable {
    /** Smallest reservation of a NAPI thread on the protected VM's path (10% of a CPU); raised by the warm-up. */
    static final Reservation NAPI_MIN = Reservation.of(500_000, AutoSizing.PERIOD_NS);
    static final long WARMUP_NS = 5_000_000_000L;
    static final long PROBE_NS = 3_000_000_000L;
    /** The flooded VM's share: 10mbit guaranteed, 20mbit ceiling. */
    static final ShapingSpec FLOOD_CEILING = ShapingSpec.of("10mbit", "20mbit", "15k");
    /** The protected VM's share: 20mbit guaranteed, borrowing up to 100mbit. */
    static final ShapingSpec PROTECTED = ShapingSpec.of("20mbit", "100mbit", "15k");
    static final int FLOOD_SIZE = 1400;
    static final int FLOOD_WINDOW = 256;

    private final LabNetwork net;
    private final LabVm floodVm;
    private final VmThreads floodThreads;
    private final PathTransaction tx;
    private final Path stateDir;
    private final Consumer<String> progress;
    /** Per path NAPI thread (tid), its reservation sized from the flood warm-up. */
    private final java.util.Map<Integer, Reservation> napiSizes = new java.util.HashMap<>();
    /** Per flood scenario, the protected VM's bulk echo throughput (bit/s) of each round. */
    private final java.util.Map<Scenario, List<Double>> probes = new java.util.EnumMap<>(Scenario.class);
    /** The protected VM's MAC, for the shared-entry classes (null: no shared shaping). */
    private String protectedMac;
    private final io.vmqos.linux.net.LinkShaper shaper = io.vmqos.linux.net.LinkShaper.system();
    private io.vmqos.linux.net.ShapedLink sharedEntry;

    private FloodScenarios(LabNetwork net, LabVm floodVm, VmThreads floodThreads, PathTransaction tx, Path stateDir,
                           Consumer<String> progress) {
        this.net = net;
        this.floodVm = floodVm;
        this.floodThreads = floodThreads;
        this.tx = tx;
        this.stateDir = stateDir;
        this.progress = progress;
    }

    /** Boots the flooded VM on a new tap of {@code net}. */
    static FloodScenarios start(LabNetwork net, GuestImage image, Reserver reserver, ThreadScheduler sched, Consumer<String> progress) {
        progress.accept("flood scenarios: booting a second VM to flood");
        LabVm vm = new VmLauncher().launch(net.nextVm(image).withCpus(1));
        try {
            VmThreads threads = VmDiscovery.viaQmp(vm.qmpSocket());
            Path dir = Files.createTempDirectory("vqdemo-path-");
            PathTransaction tx = new PathTransaction(reserver, sched, IpRoute.system(), new TapDiscovery(),
                    new PathStateStore(dir.resolve("path-state.json")));
            progress.accept("flooded VM up under " + vm.accel() + " at " + vm.guestIp() + " in " + vm.bootTime().toMillis() + " ms");
            FloodScenarios f = new FloodScenarios(net, vm, threads, tx, dir, progress);
            f.sizeNapiFromWarmup();
            return f;
        } catch (IOException e) {
            vm.close();
            throw new UncheckedIOException(e);
        } catch (RuntimeException e) {
            vm.close();
            throw e;
        }
    }

    /**
     * The hook {@link PathThreadSizing} is for: a NAPI thread carries every VM's packets that cross its device, so
     * it is sized for the traffic that crosses it, here measured: a {@link #WARMUP_NS} flood without noise, each
     * veth NAPI thread's CPU share over it, {@link AutoSizing#size} (1.5 x use + 10% headroom) with
     * {@link #NAPI_MIN} as the floor.
     */
    private void sizeNapiFromWarmup() {
        io.vmqos.linux.ProcFs proc = new io.vmqos.linux.ProcFs();
        io.vmqos.linux.net.ThreadedNapi threaded = io.vmqos.linux.net.ThreadedNapi.system();
        // as the path transaction will: threaded NAPI with TSO off, so the NAPI threads carry the packets
        List<io.vmqos.linux.net.NapiChange> changes = new java.util.ArrayList<>();
        LoadResult fr;
        long wall;
        java.util.Map<Integer, Long> c0 = new java.util.HashMap<>();
        List<io.vmqos.linux.net.KernelThread> napi = new java.util.ArrayList<>();
        try {
            changes.add(threaded.enable(net.bridgeVeth(), net.bridgeNamespace(), java.time.Duration.ofSeconds(2)));
            changes.add(threaded.enable(net.clientVeth(), net.clientNamespace(), java.time.Duration.ofSeconds(2)));
            for (var c : changes) napi.addAll(c.threads());
            for (var t : napi) c0.put(t.pid(), proc.cpuTimeNs(t.pid()));
            long w0 = System.nanoTime();
            fr = ChildLoadRun.run(floodPrefix(), LoadSpec.bulk(floodTarget(), FLOOD_SIZE, WARMUP_NS, FLOOD_WINDOW));
            wall = System.nanoTime() - w0;
        } finally {
            for (var c : changes.reversed()) threaded.restore(c);
        }
        StringBuilder b = new StringBuilder();
        for (var t : napi) {
            double share = Math.max(0, proc.cpuTimeNs(t.pid()) - c0.get(t.pid())) / (double) wall;
            Reservation r = AutoSizing.size(share);
            if (r.bandwidth() < NAPI_MIN.bandwidth()) r = NAPI_MIN;
            napiSizes.put(t.pid(), r);
            b.append(' ').append(t.comm()).append(String.format(Locale.ROOT, " %.1f%% -> %s;", share * 100, r));
        }
        progress.accept(String.format(Locale.ROOT, "flood warm-up: %.1f Mbit/s echoed; NAPI threads' CPU use and reservations:%s",
                fr.echoedBitsPerSecond() / 1e6, b));
    }

    /** Names the protected VM's NIC, so noisy+flood+vmqos can also shape the shared path's entry per VM. */
    void protect(String mac) { this.protectedMac = mac; }

    private PathThreadSizing napiSizing() {
        return (thread, device, vms) -> napiSizes.getOrDefault(thread.pid(), NAPI_MIN);
    }

    private List<String> floodPrefix() { return List.of("ip", "netns", "exec", net.clientNamespace()); }

    private InetSocketAddress floodTarget() { return new InetSocketAddress(floodVm.guestIp(), floodVm.echoPort()); }

    /**
     * Runs one flood scenario around {@code measure} (the protected VM's paced load run): path reservations and
     * shaping when {@code s} is noisy+flood+vmqos, the flood, the measurement, then everything released.
     */
    LoadResult run(Scenario s, VmThreads protectedVm, Reservation vcpu, Reservation io, long durationNs, Supplier<LoadResult> measure,
                   List<String> probePrefix, InetSocketAddress probeTarget) {
        if (!floodVm.isAlive()) throw new DemoAbortedException("the flooded VM exited; its console log is " + floodVm.consoleLog());
        boolean vmqos = s == Scenario.NOISY_FLOOD_VMQOS;
        try {
            if (vmqos) {
                var r = tx.apply(protectedVm, VmReservationPlan.reserve(protectedVm, new VmReservationPlan.RoleReservations(vcpu, io, io)),
                        new PathRequest(napiSizing(), PROTECTED, null));
                tx.apply(floodThreads, List.of(), new PathRequest(null, FLOOD_CEILING, FLOOD_CEILING));
                if (protectedMac != null) {
                    // The taps are shaped after the shared veth's NAPI threads have done the work: the flood must also be
                    // held back where it enters the shared path, or it still spends those threads' budget.
                    sharedEntry = shaper.shapeShared(net.clientVeth(), net.clientNamespace(), 1_000_000_000L, List.of(
                            new VmShare("protected", protectedMac, PROTECTED),
                            new VmShare("flooded", floodVm.spec().mac(), FLOOD_CEILING)), false);
                }
                progress.accept("  path: " + r.threads().outcomes().size() + " threads reserved (NAPI threads on "
                        + r.napi().stream().map(c -> c.device()).toList() + "), protected tap shaped to "
                        + NetUnits.formatRate(PROTECTED.rateBits()) + ", flooded tap ceiling " + NetUnits.formatRate(FLOOD_CEILING.ceilBits())
                        + (sharedEntry != null ? "; shared entry " + net.clientVeth() + " shaped per VM (flooded ceiling "
                        + NetUnits.formatRate(FLOOD_CEILING.ceilBits()) + ")" : ""));
            } else {
                // the VM's own reservations only, as in noisy+vmqos (an empty path request: no NAPI, no tc)
                tx.apply(protectedVm, VmReservationPlan.reserve(protectedVm, new VmReservationPlan.RoleReservations(vcpu, io, io)),
                        new PathRequest(null, null, null));
            }
            LoadSpec flood = LoadSpec.bulk(floodTarget(), FLOOD_SIZE, durationNs + PROBE_NS + 5_000_000_000L, FLOOD_WINDOW);
            CompletableFuture<LoadResult> f = CompletableFuture.supplyAsync(() -> ChildLoadRun.run(floodPrefix(), flood));
            DemoRunner.sleep(1500); // the flood's JVM starts and ramps up
            LoadResult res = measure.get();
            // throughput of the protected VM under the flood: a short bulk echo run (1400 B, 64 outstanding)
            LoadResult probe = ChildLoadRun.run(probePrefix, LoadSpec.bulk(probeTarget, FLOOD_SIZE, PROBE_NS, 64));
            probes.computeIfAbsent(s, k -> new java.util.ArrayList<>()).add(probe.echoedBitsPerSecond());
            progress.accept(String.format(Locale.ROOT, "  protected VM bulk echo under the flood: %.1f Mbit/s, %.1f%% lost",
                    probe.echoedBitsPerSecond() / 1e6, probe.lossRatio() * 100));
            try {
                LoadResult fr = f.join();
                progress.accept(String.format(Locale.ROOT, "  flood: %.1f Mbit/s echoed by the flooded VM, %.1f%% lost",
                        fr.echoedBitsPerSecond() / 1e6, fr.lossRatio() * 100));
            } catch (RuntimeException e) {
                progress.accept("  flood run failed: " + e.getMessage());
            }
            return res;
        } finally {
            if (sharedEntry != null) {
                try { shaper.remove(sharedEntry); } catch (RuntimeException e) { progress.accept("warning: could not remove the shared-entry shaping: " + e.getMessage()); }
                sharedEntry = null;
            }
            releaseQuietly(floodThreads);
            releaseQuietly(protectedVm);
        }
    }

    private void releaseQuietly(VmThreads vm) {
        try {
            var r = tx.release(vm);
            for (String p : r.problems()) progress.accept("warning: release of " + r.vm() + ": " + p);
        } catch (RuntimeException e) {
            progress.accept("warning: could not release " + PathTransaction.keyOf(vm) + ": " + e.getMessage());
        }
    }

    /** Median bulk throughput (bit/s) of the protected VM per flood scenario, for the summary. */
    java.util.Map<Scenario, Double> medianProbes() {
        java.util.Map<Scenario, Double> out = new java.util.EnumMap<>(Scenario.class);
        probes.forEach((k, v) -> {
            List<Double> sorted = v.stream().sorted().toList();
            out.put(k, sorted.get((sorted.size() - 1) / 2));
        });
        return out;
    }

    @Override
    public void close() {
        medianProbes().forEach((k, v) -> progress.accept(String.format(Locale.ROOT,
                "%s: protected VM bulk echo throughput under the flood, median %.1f Mbit/s", k.label(), v / 1e6)));
        try {
            floodVm.close();
        } finally {
            try (var files = Files.list(stateDir)) {
                for (Path p : files.toList()) Files.deleteIfExists(p);
                Files.deleteIfExists(stateDir);
            } catch (IOException e) {
                progress.accept("warning: could not delete " + stateDir + ": " + e.getMessage());
            }
        }
    }
}
