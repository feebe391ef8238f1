package io.vmqos.lab.demo;

import io.vmqos.analysis.ExplicitPolicy;
import io.vmqos.analysis.SharedThreadSizing;
import io.vmqos.analysis.Sizer;
import io.vmqos.analysis.SizingOutcome;
import io.vmqos.analysis.SizingPolicy;
import io.vmqos.core.CostModel;
import io.vmqos.core.CpuBandwidth;
import io.vmqos.core.Durations;
import io.vmqos.core.KernelLimits;
import io.vmqos.core.NetworkSla;
import io.vmqos.core.Reservation;
import io.vmqos.core.SchedAttributes;
import io.vmqos.core.StageCost;
import io.vmqos.core.StageKind;
import io.vmqos.core.desired.DesiredState;
import io.vmqos.core.desired.DesiredThread;
import io.vmqos.core.net.KernelThread;
import io.vmqos.core.net.ShapingSpec;
import io.vmqos.core.vm.VmThreads;
import io.vmqos.host.service.HostService;
import io.vmqos.lab.GuestImage;
import io.vmqos.lab.LabNetwork;
import io.vmqos.lab.LabVm;
import io.vmqos.lab.VmLauncher;
import io.vmqos.lab.load.ChildLoadRun;
import io.vmqos.lab.load.LoadResult;
import io.vmqos.lab.load.LoadSpec;
import io.vmqos.lab.load.NoisyNeighbour;
import io.vmqos.linux.ProcFs;
import io.vmqos.linux.net.LinkShaper;
import io.vmqos.linux.net.NapiChange;
import io.vmqos.linux.net.NetUnits;
import io.vmqos.linux.net.ShapedLink;
import io.vmqos.linux.net.ThreadedNapi;
import io.vmqos.linux.net.VmShare;
import io.vmqos.qemu.VmDiscovery;

import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.function.Consumer;
import java.util.function.Supplier;

/**
 * The flood pair of the demo: a second lab VM (the "flooded" one, 1 vCPU) on the same bridge receives bulk UDP
 * echo traffic from the client namespace (1400-byte requests, 256 outstanding) during the protected VM's
 * measurement, so both share the lab uplink's NAPI threads, the bridge and the CPU.
 *
 * <p>For both flood scenarios the lab's veth plays the host's NIC: threaded NAPI and TSO off on both ends
 * ({@link #nicModel}), so its receive work runs in {@code napi/} threads shared by both VMs, as a NIC's runs in
 * softirq. (With the veth defaults the kernel does that work in the senders' own contexts and there is no shared
 * thread to protect or to starve.)
 * <ul>
 *   <li>{@link Scenario#NOISY_FLOOD}: the protected VM gets only its own thread reservations (as noisy+vmqos); the
 *       NAPI threads stay SCHED_OTHER and nothing is shaped.</li>
 *   <li>{@link Scenario#NOISY_FLOOD_VMQOS}: one reconcile (scope {@code demo:NAME}) gives the protected VM its thread
 *       reservations plus one reservation per NAPI thread of its path, sized for the sum of both VMs' SLAs
 *       ({@link #sizeNapiFromSlas}); the shared path's entry (the client end of the uplink) gets one HTB class per
 *       VM ({@link #PROTECTED}, {@link #FLOOD_CEILING}); a second transaction shapes the flooded VM's tap, both
 *       directions, to {@link #FLOOD_CEILING}. The protected VM's tap is not shaped: its share is already held at
 *       the entry, and a tap HTB sits after the reserved NAPI thread, where its throttled dequeues run from the
 *       qdisc watchdog in NET_TX softirq, which no reservation reaches (see docs/network-path.md). Everything is
 *       released after the run.</li>
 * </ul>
 * The path state file lives in a private temporary directory, not in {@code /run/vmqos}. Owned by
 * {@link DemoRunner}'s thread; {@link #close()} stops the flooded VM and puts the veth's NAPI settings back.
 */
final class FloodScenarios implements AutoCloseable {
    /** Floor of the measured per-packet NAPI cost (ns), against a warm-up that carried almost nothing. */
    static final double NAPI_MIN_COST_NS = 1_000;
    /** Delay the protected VM's packets may see at each NAPI thread. */
    static final long PROTECTED_NAPI_BUDGET_NS = 2_000_000;
    /** Delay the flooded VM's packets may see at each NAPI thread. */
    static final long FLOODED_NAPI_BUDGET_NS = 20_000_000;
    static final long WARMUP_NS = 5_000_000_000L;
    /**
     * Most of a CPU one NAPI thread's reservation may take. On a noisy machine the measured per-packet cost can come out
     * several times its usual value (50 us instead of ~20 us, seen once), and the sizing then asks for more than the
     * host has beside the VM's own threads; capped, the thread is still protected, but its SLA bound is not stated.
     */
    static final double NAPI_MAX_SHARE = 0.40;
    static final long PROBE_NS = 3_000_000_000L;
    /** The flooded VM's share: 10mbit guaranteed, 20mbit ceiling. */
    static final ShapingSpec FLOOD_CEILING = NetUnits.shaping("10mbit", "20mbit", "15k");
    /** The protected VM's share: 20mbit guaranteed, borrowing up to 100mbit. */
    static final ShapingSpec PROTECTED = NetUnits.shaping("20mbit", "100mbit", "15k");
    static final int FLOOD_SIZE = 1400;
    static final int FLOOD_WINDOW = 256;

    private final LabNetwork net;
    private final LabVm floodVm;
    private final VmThreads floodThreads;
    private final HostService service;
    private final Consumer<String> progress;
    /** The veth's NAPI changes that make it play the NIC ({@link #nicModel}), undone by {@link #close()}. */
    private final List<NapiChange> nic = new ArrayList<>();
    /** Per path NAPI thread (tid), its reservation sized for both VMs' SLAs. */
    private final Map<Integer, Reservation> napiSizes = new HashMap<>();
    /** Per flood scenario, the protected VM's bulk echo throughput (bit/s) of each round. */
    private final Map<Scenario, List<Double>> probes = new EnumMap<>(Scenario.class);
    /** The protected VM's MAC, for the shared-entry classes (null: no shared shaping). */
    private String protectedMac;
    private final LinkShaper shaper = LinkShaper.system();
    private ShapedLink sharedEntry;

    private FloodScenarios(LabNetwork net, LabVm floodVm, VmThreads floodThreads, HostService service, Consumer<String> progress) {
        this.net = net;
        this.floodVm = floodVm;
        this.floodThreads = floodThreads;
        this.service = service;
        this.progress = progress;
    }

    /** Boots the flooded VM on a new tap of {@code net}. */
    static FloodScenarios start(LabNetwork net, GuestImage image, HostService service, long protectedRate,
                                int noiseWorkers, KernelLimits limits, Consumer<String> progress) {
        progress.accept("flood scenarios: booting a second VM to flood");
        LabVm vm = new VmLauncher().launch(net.nextVm(image).withCpus(1));
        try {
            VmThreads threads = VmDiscovery.viaQmp(vm.qmpSocket());
            progress.accept("flooded VM up under " + vm.accel() + " at " + vm.guestIp() + " in " + vm.bootTime().toMillis() + " ms");
            FloodScenarios f = new FloodScenarios(net, vm, threads, service, progress);
            f.nicModel();
            f.sizeNapiFromSlas(protectedRate, noiseWorkers, limits);
            return f;
        } catch (RuntimeException e) {
            vm.close();
            throw e;
        }
    }

    /**
     * What {@link PathThreadSizing} is for: a NAPI thread carries the packets of every VM whose traffic crosses its
     * device, so it is sized for the sum of their SLAs. Each VM's SLA at the thread is what its shaping lets through
     * (the protected VM: {@link #PROTECTED}'s ceiling in {@value #FLOOD_SIZE}-byte packets plus its paced
     * requests, {@link #PROTECTED_NAPI_BUDGET_NS} of delay at the thread; the flooded VM: {@link #FLOOD_CEILING}'s
     * ceiling, {@link #FLOODED_NAPI_BUDGET_NS}); the CPU cost of a packet is measured: {@link #WARMUP_NS} of the
     * flooded VM's ceiling, paced, under the scenarios' CPU noise, each NAPI thread's CPU time over the packets it
     * carried. Each VM's own napi reservation comes from the {@link Sizer}; {@link SharedThreadSizing} turns them
     * into one that keeps both guarantees.
     */
    private void sizeNapiFromSlas(long protectedRate, int noiseWorkers, KernelLimits limits) {
        ProcFs proc = new ProcFs();
        Map<Integer, Long> c0 = new HashMap<>();
        List<KernelThread> napi = new ArrayList<>();
        for (var c : nic) napi.addAll(c.threads());
        for (var t : napi) c0.put(t.pid(), proc.cpuTimeNs(t.pid()));
        long protectedPps = PROTECTED.ceilBits() / (8L * FLOOD_SIZE) + protectedRate;
        long floodedPps = FLOOD_CEILING.ceilBits() / (8L * FLOOD_SIZE);
        LoadResult fr;
        // The cost of a packet that arrives alone: paced at the flooded VM's ceiling (as its shaper lets it through),
        // under the scenarios' CPU noise. A bulk burst is cheaper per packet (one wake-up and poll serve many), so
        // measuring with bulk traffic under-sized the threads (3.9 us instead of 11.5 us per packet, measured).
        try (NoisyNeighbour noise = NoisyNeighbour.start(noiseWorkers)) {
            fr = ChildLoadRun.run(floodPrefix(), LoadSpec.paced(floodTarget(), floodedPps, FLOOD_SIZE, WARMUP_NS));
        }
        double packets = fr.replies();
        SizingPolicy policy = SizingPolicy.DEFAULT;
        Sizer sizer = new Sizer(limits, policy);
        long protectedBurst = burstPackets(PROTECTED);
        long floodedBurst = burstPackets(FLOOD_CEILING);
        StringBuilder b = new StringBuilder();
        for (var t : napi) {
            double cost = Math.max(NAPI_MIN_COST_NS, (proc.cpuTimeNs(t.pid()) - c0.get(t.pid())) / Math.max(1, packets));
            CostModel napiOnly = new CostModel(Map.of(StageKind.NAPI, new StageCost(cost, 0)));
            List<SharedThreadSizing.SharedLoad> loads = new ArrayList<>();
            loads.add(load(sizer, "protected", protectedPps, protectedBurst, cost, PROTECTED_NAPI_BUDGET_NS, napiOnly));
            loads.add(load(sizer, "flooded", floodedPps, floodedBurst, cost, FLOODED_NAPI_BUDGET_NS, napiOnly));
            Reservation r = SharedThreadSizing.size(loads, limits, policy.overheadPerActivationNs(), policy.rateMargin())
                    .orElseThrow(() -> new DemoAbortedException("no reservation of " + t.comm() + " carries both VMs' SLAs at "
                            + Math.round(cost) + " ns per packet; the machine is too slow for the flood scenarios"));
            String capped = "";
            if (r.bandwidth().exceeds(CpuBandwidth.ofCpus(NAPI_MAX_SHARE))) {
                capped = String.format(Locale.ROOT, ", capped from %s to %.0f%% of a CPU: the NAPI bound is not guaranteed this run", r,
                        NAPI_MAX_SHARE * 100);
                r = Reservation.of((long) (r.periodNs() * NAPI_MAX_SHARE), r.periodNs());
            }
            napiSizes.put(t.pid(), r);
            b.append(String.format(Locale.ROOT, " %s %.1f us/packet -> %s (%s%s);", t.comm(), cost / 1000, r, r.bandwidth().percent(), capped));
        }
        progress.accept(String.format(Locale.ROOT, "NAPI cost: %.1f Mbit/s paced to the flooded VM under noise; NAPI threads sized for the sum of the two VMs' SLAs "
                        + "(protected %d pps within %s, flooded %d pps within %s at the thread):%s",
                fr.echoedBitsPerSecond() / 1e6, protectedPps, Durations.format(PROTECTED_NAPI_BUDGET_NS), floodedPps,
                Durations.format(FLOODED_NAPI_BUDGET_NS), b));
    }

    /** One VM's share of a NAPI thread: its SLA there and the napi reservation the {@link Sizer} gives it alone. */
    private static SharedThreadSizing.SharedLoad load(Sizer sizer, String vm, long pps, long burst, double cost, long budgetNs,
                                                      CostModel napiOnly) {
        NetworkSla sla = new NetworkSla(pps, FLOOD_SIZE, burst, budgetNs);
        if (!(sizer.size(vm, sla, napiOnly) instanceof SizingOutcome.Fits f)) {
            throw new DemoAbortedException("the " + vm + " VM's SLA at the NAPI thread (" + pps + " pps at " + Math.round(cost)
                    + " ns per packet) does not fit one CPU; the machine is too slow for the flood scenarios");
        }
        return new SharedThreadSizing.SharedLoad(vm, pps, burst, cost, f.plan().stage(StageKind.NAPI).reservation());
    }

    private void nicModel() {
        ThreadedNapi threaded = ThreadedNapi.system();
        nic.add(threaded.enable(net.bridgeVeth(), net.bridgeNamespace(), Duration.ofSeconds(2)));
        nic.add(threaded.enable(net.clientVeth(), net.clientNamespace(), Duration.ofSeconds(2)));
        progress.accept("the lab's veth is the host's NIC for the flood scenarios: threaded NAPI, TSO off on both ends (its receive work runs in "
                + "napi/ threads, as a NIC's does in softirq, not in the senders' contexts)");
    }

    private static LoadSpec floodSpec(InetSocketAddress target, long durationNs) {
        return LoadSpec.bulk(target, FLOOD_SIZE, durationNs, FLOOD_WINDOW);
    }

    /** Names the protected VM's NIC, so noisy+flood+vmqos can also shape the shared path's entry per VM. */
    void protect(String mac) { this.protectedMac = mac; }

    /**
     * What a path reservation is for: a NAPI thread carries the packets of every VM whose traffic crosses its device, so
     * each of the protected VM's path threads gets the reservation sized for both VMs' SLAs ({@link #napiSizes}), in
     * place of the one {@code vm reserve --napi} would give them all.
     */
    private DesiredState protectedDesired(VmThreads vm, Reservation vcpu, Reservation io, boolean path) {
        ExplicitPolicy.Request req = new ExplicitPolicy.Request(vcpu, io, io, path ? Reservation.of(napiSizes.values().iterator().next().runtimeNs(),
                napiSizes.values().iterator().next().periodNs()) : null, Optional.empty(), Optional.empty(), false, false);
        DesiredState d = ExplicitPolicy.desired(service.observer().observe(key(vm), vm), req);
        if (!path) return d;
        List<DesiredThread> threads = new ArrayList<>();
        for (DesiredThread t : d.threads()) {
            if (t.pid() != vm.pid()) {
                Reservation r = napiSizes.get(t.tid());
                if (r == null) throw new DemoAbortedException("NAPI thread " + t.label() + " appeared after the sizing; rerun the demo");
                t = new DesiredThread(t.tid(), t.pid(), t.vms(), t.label(), SchedAttributes.deadline(r), t.cpu());
            }
            threads.add(t);
        }
        return new DesiredState(threads, d.napi(), d.irqs(), d.partitions(), d.shaping(), d.kept(), d.plan(), d.unsized(), d.notes());
    }

    private static String key(VmThreads vm) { return vm.name().isEmpty() ? "pid-" + vm.pid() : vm.name(); }

    private static String scope(VmThreads vm) { return "demo:" + key(vm); }

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
                var r = service.reconcile(scope(protectedVm), rec -> protectedDesired(protectedVm, vcpu, io, true), List::of);
                ExplicitPolicy.Request capped = new ExplicitPolicy.Request(null, null, null, null, Optional.of(FLOOD_CEILING), Optional.of(FLOOD_CEILING),
                        false, false);
                service.reconcile(scope(floodThreads), rec -> ExplicitPolicy.desired(service.observer().observe(key(floodThreads), floodThreads), capped),
                        List::of);
                if (protectedMac != null) {
                    // The taps come after the shared NAPI threads have done the work: the flood must be held back where it
                    // enters the shared path, or it still spends those threads' budget (measured, first version).
                    sharedEntry = shaper.shapeShared(net.clientVeth(), net.clientNamespace(), 1_000_000_000L, List.of(
                            new VmShare("protected", protectedMac, PROTECTED),
                            new VmShare("flooded", floodVm.spec().mac(), FLOOD_CEILING)), false);
                }
                progress.accept("  path: " + r.threads().size() + " threads reserved (NAPI threads on "
                        + r.desired().napi().stream().map(c -> c.device().name()).toList() + "); shared entry " + net.clientVeth() + " shaped per VM (protected "
                        + NetUnits.formatRate(PROTECTED.rateBits()) + " ceil " + NetUnits.formatRate(PROTECTED.ceilBits()) + ", flooded "
                        + NetUnits.formatRate(FLOOD_CEILING.rateBits()) + " ceil " + NetUnits.formatRate(FLOOD_CEILING.ceilBits())
                        + "); flooded tap shaped both ways to ceil " + NetUnits.formatRate(FLOOD_CEILING.ceilBits()));
            } else {
                // the VM's own reservations only, as in noisy+vmqos (an empty path request: no NAPI, no tc)
                service.reconcile(scope(protectedVm), rec -> protectedDesired(protectedVm, vcpu, io, false), List::of);
            }
            ProcFs proc = new ProcFs();
            Map<Integer, Long> cpu0 = new TreeMap<>();
            for (int tid : napiSizes.keySet()) cpu0.put(tid, proc.cpuTimeNs(tid));
            long wall0 = System.nanoTime();
            LoadSpec flood = floodSpec(floodTarget(), durationNs + PROBE_NS + 5_000_000_000L);
            CompletableFuture<LoadResult> f = CompletableFuture.supplyAsync(() -> ChildLoadRun.run(floodPrefix(), flood));
            DemoRunner.sleep(1500); // the flood's JVM starts and ramps up
            LoadResult res = measure.get();
            // throughput of the protected VM under the flood: a short bulk echo run within its SLA's burst (1400 B, as many
            // outstanding as its shaping burst holds): more would be traffic its reservations were not sized for
            LoadResult probe = ChildLoadRun.run(probePrefix, LoadSpec.bulk(probeTarget, FLOOD_SIZE, PROBE_NS, probeWindow()));
            probes.computeIfAbsent(s, k -> new ArrayList<>()).add(probe.echoedBitsPerSecond());
            progress.accept(String.format(Locale.ROOT, "  protected VM bulk echo under the flood (%d outstanding): %.1f Mbit/s, %.1f%% lost",
                    probeWindow(), probe.echoedBitsPerSecond() / 1e6, probe.lossRatio() * 100));
            double wall = System.nanoTime() - wall0;
            StringBuilder use = new StringBuilder();
            cpu0.forEach((tid, c) -> use.append(String.format(Locale.ROOT, " %d %.1f%%%s;", tid, (proc.cpuTimeNs(tid) - c) / wall * 100,
                    vmqos ? " of " + napiSizes.get(tid).bandwidth().percent() : "")));
            progress.accept("  NAPI threads' CPU use over the run:" + use);
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
            service.release(scope(vm));
        } catch (RuntimeException e) {
            progress.accept("warning: could not release " + key(vm) + ": " + e.getMessage());
        }
    }

    /** A share's burst in {@value #FLOOD_SIZE}-byte packets: the SLA burst at the NAPI threads. */
    static long burstPackets(ShapingSpec share) { return Math.ceilDiv(share.burstBytes(), FLOOD_SIZE); }

    /** Requests the throughput probe keeps outstanding: the protected VM's SLA burst. */
    static int probeWindow() { return (int) burstPackets(PROTECTED); }

    /** The protected VM's bulk echo throughput (bit/s) under the flood, one per round of {@code s} so far. */
    List<Double> probes(Scenario s) { return List.copyOf(probes.getOrDefault(s, List.of())); }


    @Override
    public void close() {
        try {
            for (var c : nic.reversed()) {
                try {
                    ThreadedNapi.system().restore(c);
                } catch (RuntimeException e) {
                    progress.accept("warning: could not restore NAPI on " + c.device() + " (its namespace goes with the lab): " + e.getMessage());
                }
            }
        } finally {
            floodVm.close();
        }
    }
}
