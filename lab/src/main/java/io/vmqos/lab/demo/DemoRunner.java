package io.vmqos.lab.demo;

import io.vmqos.core.CostModel;
import io.vmqos.core.Durations;
import io.vmqos.core.Reservation;
import io.vmqos.core.StageKind;
import io.vmqos.lab.Commands;
import io.vmqos.lab.load.NoisyNeighbourSpec;
import io.vmqos.core.ThreadChange;
import io.vmqos.core.vm.ThreadRole;
import io.vmqos.core.vm.VmThread;
import io.vmqos.core.vm.VmThreads;
import io.vmqos.host.Reserver;
import io.vmqos.analysis.ExplicitPolicy;
import io.vmqos.core.SchedAttributes;
import io.vmqos.host.HostLock;
import io.vmqos.host.service.HostService;
import io.vmqos.host.service.SystemHost;
import io.vmqos.lab.BootGuard;
import io.vmqos.lab.Cleanup;
import io.vmqos.lab.GuestImage;
import io.vmqos.lab.LabNetwork;
import io.vmqos.lab.LabVm;
import io.vmqos.lab.Packages;
import io.vmqos.lab.VmLauncher;
import io.vmqos.lab.VmSpec;
import io.vmqos.lab.load.ChildLoadRun;
import io.vmqos.lab.load.LoadResult;
import io.vmqos.lab.load.LoadSpec;
import io.vmqos.lab.load.NoisyNeighbour;
import io.vmqos.lab.report.ConsoleTable;
import io.vmqos.lab.report.Medians;
import io.vmqos.lab.report.ReportWriter;
import io.vmqos.lab.report.ScenarioResult;
import io.vmqos.lab.report.ScenarioSummary;
import io.vmqos.linux.DeadlineLedger;
import io.vmqos.linux.KernelParameters;
import io.vmqos.linux.ProcFs;
import io.vmqos.qemu.VmDiscovery;

import java.io.IOException;
import java.nio.file.Files;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.Consumer;

/**
 * Runs {@code vmqos demo}: builds the guest, boots it in a lab network, then runs each scenario in interleaved
 * rounds (the order rotates every round, so drifts of a shared machine hit all scenarios alike), measuring a paced
 * UDP echo from the client namespace. Writes the report and returns the results.
 *
 * <p>Everything it creates (VM, namespaces, noise, reservations) is undone on every exit, exceptions and Ctrl-C
 * included (the lab's {@link Cleanup} hook). Call from one thread; not re-entrant.
 */
public final class DemoRunner {
    private final DemoOptions o;
    private final Consumer<String> progress;
    private final SystemHost host = new SystemHost();
    private final ProcFs proc = host.proc();
    private final DeadlineLedger ledger = host.deadlineLedger();
    private final Reserver reserver = host.reserver(Reserver.DEFAULT_HOST_RESERVE);
    private final HostService service = host.service(Reserver.DEFAULT_HOST_RESERVE, "vmqos demo", HostLock.DEFAULT_WAIT)
            .waitingForSleepers(HostService.COMMAND_SLEEPER_WAIT);
    private double measuredVcpu, measuredIo;
    /** What the VM's threads used during the last load run, in CPUs. */
    private double lastUsedCpus;
    /** The lean scenario: its runner and, per round, the CPU the agent held for the VM, time-averaged over the load run. */
    private LeanScenario leanScenario;
    private final List<Double> leanReserved = new ArrayList<>();
    /** The round trip the lean floors are sized for when no --latency was given. */
    static final long DEFAULT_LEAN_LATENCY_NS = 20_000_000L;
    /** The flood pair's second VM, booted only when a flood scenario is asked for. */
    private FloodScenarios flood;

    public DemoRunner(DemoOptions options, Consumer<String> progress) {
        this.o = options;
        this.progress = progress;
    }

    public DemoResult run() throws IOException {
        step("checking packages");
        Packages.ensure(Packages.LAB);
        if (Packages.onPath("stress-ng") == null && Packages.isRoot()) {
            try { Packages.ensure(List.of("stress-ng")); } catch (RuntimeException e) { step("stress-ng unavailable, using shell loops as noise"); }
        }
        step("building the guest image (cached after the first run)");
        GuestImage image = GuestImage.ensureBuilt();
        String id = "d" + Integer.toString(ThreadLocalRandom.current().nextInt(36 * 36 * 36), 36);
        int subnet = 100 + ThreadLocalRandom.current().nextInt(100);
        try (LabNetwork net = LabNetwork.create(id, subnet)) {
            Cleanup.Registration netReg = Cleanup.register("demo network " + id, net);
            VmSpec spec = net.nextVm(image).withCpus(o.vmCpus());
            step("lab network vqlab-" + id + " (namespaces vqlab-" + id + "-br, vqlab-" + id + "-cli); booting the guest ("
                    + o.vmCpus() + " vCPU; KVM if it boots, else TCG)");
            // the guard stops a QEMU that is still booting if the JVM exits before launch() returns (Ctrl-C)
            try (BootGuard guard = BootGuard.create(id); LabVm vm = new VmLauncher().runRoot(guard.root()).launch(spec)) {
                Cleanup.Registration vmReg = Cleanup.register("demo vm", vm);
                step("guest up under " + vm.accel() + " in " + vm.bootTime().toMillis() + " ms; finding its threads via QMP");
                VmThreads threads = VmDiscovery.viaQmp(vm.qmpSocket());
                Cleanup.Registration relReg = Cleanup.register("demo reservations", () -> releaseQuietly(threads));
                try {
                    step(describe(threads));
                    InetSocketAddress target = new InetSocketAddress(vm.guestIp(), vm.echoPort());
                    List<String> prefix = List.of("chrt", "-f", String.valueOf(o.clientPriority()),
                            "ip", "netns", "exec", net.clientNamespace());
                    Reservation[] sized = sizeReservations(vm, threads, prefix, target);
                    Reservation vcpu = sized[0], io = sized[1];
                    CostModel costs = o.costModel() != null ? DemoBound.reservedStages(o.costModel())
                            : DemoBound.fromMeasurement(measuredIo, measuredVcpu, o.rate());
                    Reservation ioPackets = io, vcpuPackets = vcpu;
                    if (o.costModel() != null && (o.vcpu() == null || o.io() == null)) {
                        DemoBound.Sized bySla = DemoBound.size(costs, o.rate(), o.sizeBytes(), o.latencyNs(),
                                new KernelParameters().limits());
                        if (o.vcpu() == null) { vcpu = bySla.vcpu(); vcpuPackets = bySla.vcpuPackets(); }
                        if (o.io() == null) { io = bySla.io(); ioPackets = bySla.ioPackets(); }
                        step("sized by the analysis for a " + Durations.format(o.latencyNs()) + " round trip from the calibrated cost model: "
                                + "packets need io " + ioPackets + " and vcpu " + vcpuPackets + "; widened by the stages' background load");
                    }
                    DemoBound.Bound bound = DemoBound.of(costs, ioPackets, vcpuPackets, o.rate(), o.sizeBytes());
                    step("guaranteed round-trip bound through the reserved stages: "
                            + (bound.roundTripNs() == Long.MAX_VALUE ? "none (the reservations cannot carry the rate)" : Durations.format(bound.roundTripNs() / 1000 * 1000))
                            + " (cost model " + (o.costModel() != null ? "calibrated" : "from the warm-up") + ": io " + Math.round(bound.costs().cpuNsPerPacket(StageKind.IO, o.sizeBytes()))
                            + " ns/packet, vcpu " + Math.round(bound.costs().cpuNsPerPacket(StageKind.VCPU, o.sizeBytes())) + " ns/packet)");
                    if (o.scenarios().stream().anyMatch(Scenario::flood)) {
                        flood = FloodScenarios.start(net, image, service, o.rate(), o.noiseWorkers(), new KernelParameters().limits(), progress);
                        flood.protect(spec.mac());
                    }
                    step("noisy+vmqos reserves each vCPU " + vcpu + " (" + vcpu.bandwidth().percent() + ") and the main loop/iothreads/vhost "
                            + io + " (" + io.bandwidth().percent() + ")");
                    LeanScenario.Sizing lean = null;
                    DemoBound.Bound leanBound = null;
                    if (o.scenarios().contains(Scenario.NOISY_VMQOS_LEAN)) {
                        long leanLatencyNs = o.latencyNs() > 0 ? o.latencyNs() : DEFAULT_LEAN_LATENCY_NS;
                        leanScenario = new LeanScenario(Files.createDirectories(o.reportDir().resolve("lean")), progress);
                        lean = leanScenario.calibrate(vm.qmpSocket(), prefix, target, o.rate(), o.sizeBytes(), leanLatencyNs,
                                DemoBound.fromMeasurement(measuredIo, measuredVcpu, o.rate()), Math.max(measuredVcpu, measuredIo), new KernelParameters().limits());
                        leanBound = LeanScenario.bound(lean, o.rate(), o.sizeBytes());
                        step("noisy+vmqos-lean: cost model " + lean.how() + "; floors (the packets' work at " + o.rate() + " req/s, sized for "
                                + Durations.format(leanLatencyNs) + "): vCPU " + lean.vcpuFloor() + " ("
                                + lean.vcpuFloor().bandwidth().percent() + "), main loop/io " + lean.ioFloor() + " (" + lean.ioFloor().bandwidth().percent()
                                + "); guaranteed round trip " + (leanBound.roundTripNs() == Long.MAX_VALUE ? "none" : Durations.format(leanBound.roundTripNs() / 1000 * 1000))
                                + "; each round, vmqos agent keeps them with reclaim: true, adaptive: true, reclaimCeiling: "
                                + Math.round(lean.ceilingShare() * 100) + "% (" + leanScenario.hostYamlPath() + ")");
                    }
                    Map<Scenario, List<LoadResult>> rounds = new LinkedHashMap<>();
                    Map<Scenario, List<Double>> used = new LinkedHashMap<>();
                    for (Scenario s : o.scenarios()) {
                        rounds.put(s, new ArrayList<>());
                        used.put(s, new ArrayList<>());
                    }
                    for (int r = 0; r < o.rounds(); r++) {
                        List<Scenario> order = rotate(o.scenarios(), r);
                        for (Scenario s : order) {
                            LoadResult res = runScenario(s, vm, threads, prefix, target, vcpu, io, lean, r);
                            used.get(s).add(lastUsedCpus);
                            rounds.get(s).add(res);
                            step(String.format(Locale.ROOT, "round %d/%d %-12s p50 %-9s p99 %-9s p99.9 %-9s max %-9s loss %.2f%%",
                                    r + 1, o.rounds(), s.label(), us(res.latency().p50Nanos()), us(res.latency().p99Nanos()),
                                    us(res.latency().p999Nanos()), us(res.latency().maxNanos()), res.lossRatio() * 100));
                        }
                    }
                    List<ScenarioResult> results = new ArrayList<>();
                    for (Map.Entry<Scenario, List<LoadResult>> e : rounds.entrySet()) {
                        DemoBound.Bound stated = e.getKey() == Scenario.NOISY_VMQOS ? bound : e.getKey() == Scenario.NOISY_VMQOS_LEAN ? leanBound : null;
                        Long b = stated == null || stated.roundTripNs() == Long.MAX_VALUE ? null : Long.valueOf(stated.roundTripNs());
                        List<Double> bulk = flood != null && e.getKey().flood() ? flood.probes(e.getKey()) : List.of();
                        results.add(new ScenarioResult(e.getKey().label(), e.getValue(), b, bulk, reserved(e.getKey(), threads, vcpu, io),
                                used.get(e.getKey())));
                    }
                    List<ScenarioSummary> summaries = results.stream().map(ScenarioSummary::of).toList();
                    String table = ConsoleTable.render(summaries);
                    ReportWriter.ReportFiles files = ReportWriter.write(o.reportDir(), results);
                    return new DemoResult(results, files, vcpu, io, vm.accel().name(), vm.bootTime().toMillis(), table, bound);
                } finally {
                    releaseQuietly(threads);
                    if (flood != null) flood.close();
                    relReg.unregister();
                    vmReg.unregister();
                }
            } finally {
                netReg.unregister();
            }
        } finally {
            try { ledger.repairIfLeaked(); } catch (RuntimeException e) { step("warning: ledger check failed: " + e.getMessage()); }
        }
    }

    private LoadResult runScenario(Scenario s, LabVm vm, VmThreads threads, List<String> prefix, InetSocketAddress target,
                                   Reservation vcpu, Reservation io, LeanScenario.Sizing lean, int round) {
        requireAlive(vm, s);
        int last = Runtime.getRuntime().availableProcessors() - 1;
        NoisyNeighbour noise = !s.noisy() ? null : s == Scenario.DEDICATED_CORE && last > 0
                ? NoisyNeighbour.start(new NoisyNeighbourSpec(o.noiseWorkers(), java.util.stream.IntStream.range(0, last).boxed().toList(), null,
                        NoisyNeighbourSpec.DEFAULT_CPU_METHOD, NoisyNeighbourSpec.DEFAULT_MAX_LIFETIME_NANOS))
                : NoisyNeighbour.start(o.noiseWorkers());
        String affinityBefore = null;
        try {
            switch (s) {
                case NOISY_VMQOS -> service.reconcile(SCOPE, r -> ExplicitPolicy.desired(service.observer().observe(threads.name(), threads),
                        ExplicitPolicy.Request.roles(vcpu, io, io)), List::of);
                case DEDICATED_CORE -> affinityBefore = pin(threads, Integer.toString(last));
                case NOISY_FIFO -> reserver.apply(threads.vcpus().stream().map(t -> new ThreadChange(t.tid(), SchedAttributes.fifo(o.fifoPriority()),
                        threads.name() + " " + t.name())).toList());
                default -> { }
            }
            sleep(300);
            if (s.flood()) return flood.run(s, threads, vcpu, io, o.durationNs(), () -> measure(s, vm, threads, prefix, target), prefix, target);
            if (s == Scenario.NOISY_VMQOS_LEAN) { // the agent reserves, adapts and releases
                LeanScenario.Round<LoadResult> r = leanScenario.run(vm.qmpSocket(), lean, threads, round, () -> measure(s, vm, threads, prefix, target));
                leanReserved.add(r.reservedCpus());
                return r.result();
            }
            return measure(s, vm, threads, prefix, target);
        } finally {
            releaseQuietly(threads);
            if (affinityBefore != null) pin(threads, affinityBefore);
            if (noise != null) noise.close();
        }
    }

    /** Every thread of the VM's QEMU onto {@code cpus} ({@code taskset -a}); returns the CPUs they had. */
    private String pin(VmThreads threads, String cpus) {
        String before = proc.cpusAllowed(threads.pid()).orElse("0-" + (Runtime.getRuntime().availableProcessors() - 1));
        Commands.check(List.of("taskset", "-a", "-p", "-c", cpus, Integer.toString(threads.pid())), java.time.Duration.ofSeconds(10));
        return before;
    }

    /** Every VM thread's CPU time now. */
    private long[] cpuOf(VmThreads threads) {
        List<VmThread> all = threads.threads();
        long[] c = new long[all.size()];
        for (int i = 0; i < c.length; i++) c[i] = Math.max(0, proc.cpuTimeNs(all.get(i).tid()));
        return c;
    }

    /** The CPU the VM's threads used since {@code before}, in CPUs. */
    private double usedCpus(VmThreads threads, long[] before, long wallNs) {
        long[] now = cpuOf(threads);
        long sum = 0;
        for (int i = 0; i < now.length; i++) sum += Math.max(0, now[i] - before[i]);
        return sum / (double) wallNs;
    }

    /** What scenario {@code s} reserves for the VM, in CPUs: its threads' reservations, a whole core, or null for none. */
    private Double reserved(Scenario s, VmThreads threads, Reservation vcpu, Reservation io) {
        int vcpus = threads.vcpus().size(), ios = 0;
        for (VmThread t : threads.threads()) if (t.role().stage().orElse(null) == StageKind.IO) ios++;
        return switch (s) {
            case NOISY_VMQOS -> vcpus * vcpu.bandwidth().cpus() + ios * io.bandwidth().cpus();
            case NOISY_VMQOS_LEAN -> leanReserved.isEmpty() ? null : Medians.ofDouble(leanReserved, Double::doubleValue); // what the kernel held, averaged
            case DEDICATED_CORE -> 1.0;
            default -> null;
        };
    }

    /** The scenario's load run; {@link #lastUsedCpus} is what the VM's threads used during it. */
    private LoadResult measure(Scenario s, LabVm vm, VmThreads threads, List<String> prefix, InetSocketAddress target) {
        LoadResult res;
        try {
            long[] cpu0 = cpuOf(threads);
            long w0 = System.nanoTime();
            res = ChildLoadRun.run(prefix, LoadSpec.paced(target, o.rate(), o.sizeBytes(), o.durationNs()));
            lastUsedCpus = usedCpus(threads, cpu0, System.nanoTime() - w0);
        } catch (RuntimeException e) {
            requireAlive(vm, s);
            throw new DemoAbortedException("the load run of scenario " + s.label() + " failed: " + e.getMessage(), e);
        }
        requireAlive(vm, s);
        return res;
    }

    /** Uses the given reservations, or sizes them from a warm-up run's measured CPU use. */
    private Reservation[] sizeReservations(LabVm vm, VmThreads threads, List<String> prefix, InetSocketAddress target) {
        long warm = Math.min(o.durationNs(), 5_000_000_000L);
        step("warm-up: " + Durations.format(warm) + " isolated at " + o.rate() + " req/s to measure the VM threads' CPU use");
        Map<Integer, Long> c0 = new HashMap<>();
        for (VmThread t : threads.threads()) c0.put(t.tid(), proc.cpuTimeNs(t.tid()));
        long w0 = System.nanoTime();
        ChildLoadRun.run(prefix, LoadSpec.paced(target, o.rate(), o.sizeBytes(), warm));
        long wall = System.nanoTime() - w0;
        requireAlive(vm, Scenario.ISOLATED);
        double vcpuUse = 0, ioUse = 0;
        for (VmThread t : threads.threads()) {
            double share = Math.max(0, proc.cpuTimeNs(t.tid()) - c0.get(t.tid())) / (double) wall;
            StageKind stage = t.role().stage().orElse(null);
            if (stage == StageKind.VCPU) {
                vcpuUse = Math.max(vcpuUse, share);
            } else if (stage == StageKind.IO) {
                ioUse = Math.max(ioUse, share);
            }
        }
        step(String.format(Locale.ROOT, "measured: busiest vCPU thread %s, busiest main-loop/io thread %s of a CPU", pct(vcpuUse), pct(ioUse)));
        measuredVcpu = vcpuUse;
        measuredIo = ioUse;
        return new Reservation[] {o.vcpu() != null ? o.vcpu() : AutoSizing.size(vcpuUse), o.io() != null ? o.io() : AutoSizing.size(ioUse)};
    }

    /** The scope the demo's own reservations are recorded under. */
    static final String SCOPE = "demo:vmqos";

    private void releaseQuietly(VmThreads threads) {
        try {
            service.release(SCOPE);
            service.releaseThreads(threads.threads().stream().map(VmThread::tid).toList(), true); // the FIFO scenario's
        } catch (RuntimeException e) {
            step("warning: could not release every VM thread: " + e.getMessage());
        }
    }

    private static void requireAlive(LabVm vm, Scenario s) {
        if (!vm.isAlive()) {
            throw new DemoAbortedException("the VM exited during scenario " + s.label() + "; its console log is " + vm.consoleLog()
                    + " (last lines: " + tail(vm.console()) + ")");
        }
    }

    private static String tail(String console) {
        if (console == null) return "";
        String[] lines = console.strip().split("\n");
        return String.join(" | ", java.util.Arrays.copyOfRange(lines, Math.max(0, lines.length - 3), lines.length));
    }

    private static String describe(VmThreads t) {
        StringBuilder b = new StringBuilder("VM threads:");
        for (Map.Entry<ThreadRole, List<VmThread>> e : t.byRole().entrySet()) {
            if (e.getKey().stage().isEmpty() || e.getValue().isEmpty()) continue;
            b.append(' ').append(e.getKey().name().toLowerCase(Locale.ROOT)).append(' ');
            b.append(e.getValue().stream().map(v -> String.valueOf(v.tid())).toList());
        }
        return b.toString();
    }

    static <T> List<T> rotate(List<T> list, int by) {
        List<T> out = new ArrayList<>(list.size());
        for (int i = 0; i < list.size(); i++) out.add(list.get((i + by) % list.size()));
        return out;
    }

    private void step(String s) { progress.accept(s); }

    private static String us(long ns) { return Durations.format((ns / 1000) * 1000); }

    private static String pct(double share) { return String.format(Locale.ROOT, "%.1f%%", share * 100); }

    static void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new DemoAbortedException("interrupted");
        }
    }
}
