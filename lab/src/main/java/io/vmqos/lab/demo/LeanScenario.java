package io.vmqos.lab.demo;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.vmqos.core.CostModel;
import io.vmqos.core.KernelLimits;
import io.vmqos.core.Reservation;
import io.vmqos.core.SchedAttributes;
import io.vmqos.core.SchedPolicy;
import io.vmqos.core.StageCost;
import io.vmqos.core.StageKind;
import io.vmqos.lab.AgentProcess;
import io.vmqos.lab.load.ChildLoadRun;
import io.vmqos.lab.load.LoadSpec;
import io.vmqos.linux.LinuxThreadScheduler;
import io.vmqos.core.vm.VmThread;
import io.vmqos.core.vm.VmThreads;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.function.Consumer;
import java.util.function.Supplier;

/**
 * The demo's {@code noisy+vmqos-lean} scenario, run as an operator would run lean reservations: by the product, not by
 * the demo.
 * <ol>
 *   <li><b>Live calibration</b> ({@link #calibrate}): {@code vmqos vm calibrate} watches the VM's own taps and threads
 *       while the lab's load generator drives it through a few rates (the calibrator sends nothing), and fits each
 *       stage's CPU-ns per packet.</li>
 *   <li><b>The floor</b>: the analysis layer sizes each stage's reservation for the packets alone at the demo's rate
 *       ({@link DemoBound#size}, with the live per-packet costs and no idle work): what keeps the stated round-trip
 *       bound ({@link #bound}), which the scenario's max is judged against.</li>
 *   <li><b>Each round</b> ({@link #run}): {@code vmqos agent} is started on a host.yaml that gives the VM those floors
 *       with {@code reclaim: true} and {@code adaptive: true}. Its adaptive loop moves each thread's runtime to 0.95 of
 *       its mean use within [floor, ceiling], its reclaim guard holds a runaway thread to the ceiling; it releases on exit. What
 *       the kernel held is sampled every 50 ms during the load run: that time average is the scenario's "CPU
 *       reserved".</li>
 * </ol>
 * The bound counts the packets' work in the floor. The VM's idle work (TCG's timer ticks: the fit's intercept) is
 * not in the floor: the adaptive runtime, at 0.95 of the thread's mean use, covers most of it, and reclaiming covers
 * the rest. Used from the demo's thread only.
 */
final class LeanScenario {
    /** The load points of the live calibration, as shares of the demo's rate. */
    static final double[] CALIBRATION_RATES = {0.2, 1.0, 0.5, 0.8, 0.35, 0.65};
    static final long CALIBRATION_POINT_NS = 2_000_000_000L;
    /** A stage's live fit is used at this R² or above; below, the warm-up's measurement (an over-estimate) is. */
    static final double MIN_R2 = 0.5;
    /** A packet on the tap carries this much more than the UDP payload: Ethernet, IPv4 and UDP headers. */
    static final int HEADER_BYTES = 42;

    record Sizing(Reservation vcpuFloor, Reservation ioFloor, CostModel costs, double ceilingShare, String how) {}

    private final Consumer<String> progress;
    private final LinuxThreadScheduler sched = new LinuxThreadScheduler();
    private final Path dir;

    LeanScenario(Path dir, Consumer<String> progress) {
        this.dir = dir;
        this.progress = progress;
    }

    /**
     * Live calibration, then the floors. {@code measured} is the warm-up's cost model (each stage's use over its
     * packets), used for a stage whose live fit is weak.
     */
    Sizing calibrate(Path qmp, List<String> loadPrefix, InetSocketAddress target, long rate, int size, long latencyNs, CostModel measured,
                     double busiestShare, KernelLimits limits) {
        long watchNs = CALIBRATION_RATES.length * (CALIBRATION_POINT_NS + 1_500_000_000L);
        progress.accept("noisy+vmqos-lean: live calibration, vmqos vm calibrate watching the VM's taps and threads for " + watchNs / 1_000_000_000L
                + " s while the load generator drives it at " + rates(rate));
        Path run = dir.resolve("calibrate-run");
        CompletableFuture<String[]> watching = CompletableFuture.supplyAsync(() -> AgentProcess.cli(run, "vm", "calibrate", "--qmp", qmp.toString(),
                "--duration", (watchNs / 1_000_000) + "ms", "--window", "1s", "--min-r2", "0", "--json"), r -> Thread.ofPlatform().name("live-calibrate").start(r));
        for (double share : CALIBRATION_RATES) {
            ChildLoadRun.run(loadPrefix, LoadSpec.paced(target, Math.max(1, Math.round(share * rate)), size, CALIBRATION_POINT_NS));
        }
        String[] out = watching.join();
        Map<StageKind, StageCost> costs = new EnumMap<>(StageKind.class);
        List<String> how = new ArrayList<>();
        JsonNode fit = parse(out[1]);
        for (StageKind k : List.of(StageKind.IO, StageKind.VCPU)) {
            String name = k.name().toLowerCase(Locale.ROOT);
            JsonNode s = fit == null ? null : fit.path("stages").path(name);
            double perPacket = s == null || s.isMissingNode() ? 0 : s.path("perPacketNs").asDouble() + s.path("perByteNs").asDouble() * (size + HEADER_BYTES);
            double r2 = s == null || s.isMissingNode() ? 0 : s.path("r2").asDouble();
            if (perPacket > 0 && r2 >= MIN_R2) {
                costs.put(k, new StageCost(perPacket, 0));
                how.add(String.format(Locale.ROOT, "%s %.0f ns/packet (live, R² %.2f)", name, perPacket, r2));
            } else {
                costs.put(k, measured.cost(k));
                how.add(String.format(Locale.ROOT, "%s %.0f ns/packet (the warm-up's: the live fit %s)", name, measured.cpuNsPerPacket(k, size),
                        perPacket <= 0 ? "found no positive cost" : String.format(Locale.ROOT, "has R² %.2f < %.2f", r2, MIN_R2)));
            }
        }
        if (fit == null) how.add("vm calibrate printed no fit: " + out[2].strip());
        CostModel model = new CostModel(costs);
        DemoBound.Sized floors = DemoBound.size(model, rate, size, latencyNs, limits);
        double ceiling = Math.min(0.95, Math.ceil(100 * Math.max(2 * busiestShare,
                2 * Math.max(floors.vcpu().bandwidth().cpus(), floors.io().bandwidth().cpus()))) / 100);
        return new Sizing(floors.vcpu(), floors.io(), model, ceiling, String.join(", ", how));
    }

    /** The round-trip bound the floors keep. */
    static DemoBound.Bound bound(Sizing s, long rate, int size) {
        return DemoBound.of(s.costs(), s.ioFloor(), s.vcpuFloor(), rate, size);
    }

    /** Where each round's host.yaml is written. */
    Path hostYamlPath() { return dir.resolve("host.yaml"); }

    /** The host.yaml the agent keeps true for the lean scenario. */
    static String hostYaml(Path qmp, Sizing s) {
        return "# vmqos demo: noisy+vmqos-lean, floors sized from the live calibration\n"
                + "vms:\n"
                + "  - name: demo\n"
                + "    qmp: " + qmp + "\n"
                + "    reservations: {vcpu: " + s.vcpuFloor() + ", io: " + s.ioFloor() + "}\n"
                + "    reclaim: true\n"
                + "    adaptive: true\n"
                + String.format(Locale.ROOT, "    reclaimCeiling: %.0f%%%n", s.ceilingShare() * 100);
    }

    /** What one round measured: the load run's result and the CPU the kernel held for the VM, averaged over it. */
    record Round<T>(T result, double reservedCpus) {}

    /**
     * One round: the agent up on {@link #hostYaml}, every stage thread reserved, then {@code measure} while the
     * reservations are sampled; the agent stopped (it releases) and anything it left released.
     */
    <T> Round<T> run(Path qmp, Sizing s, VmThreads threads, int round, Supplier<T> measure) {
        Path cfg = hostYamlPath(), runDir = dir.resolve("agent-run"), log = dir.resolve("agent-" + round + ".log");
        try {
            Files.createDirectories(runDir);
            Files.writeString(cfg, hostYaml(qmp, s));
            AgentProcess agent = AgentProcess.start(cfg, runDir, log, Map.of(), "--release-on-exit", "--no-libvirt", "--interval", "10s");
            try {
                List<Integer> tids = stageTids(threads);
                long until = System.nanoTime() + 30_000_000_000L;
                while (!tids.stream().allMatch(t -> sched.get(t).policy() == SchedPolicy.DEADLINE)) {
                    if (!agent.alive() || System.nanoTime() > until) {
                        throw new DemoAbortedException("noisy+vmqos-lean: the agent did not reserve the VM's threads (log " + log + "): " + tail(agent.log()));
                    }
                    DemoRunner.sleep(20);
                }
                ReservedSampler sampler = new ReservedSampler(tids);
                Thread t = Thread.ofPlatform().name("lean-reserved").start(sampler);
                T res;
                try {
                    res = measure.get();
                } finally {
                    sampler.stop();
                    t.join();
                }
                return new Round<>(res, sampler.averageCpus());
            } finally {
                agent.term();
                AgentProcess.cli(runDir, "release", "-f", cfg.toString());
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new DemoAbortedException("interrupted");
        }
    }

    /** The threads the lean host.yaml reserves: the vCPUs and the main loop/iothreads/vhost. */
    static List<Integer> stageTids(VmThreads threads) {
        List<Integer> tids = new ArrayList<>();
        for (VmThread t : threads.threads()) if (t.role().stage().filter(k -> k == StageKind.VCPU || k == StageKind.IO).isPresent()) tids.add(t.tid());
        return tids;
    }

    /** Every 50 ms, the sum of the threads' SCHED_DEADLINE bandwidth; {@link #averageCpus} is its time average. */
    private final class ReservedSampler implements Runnable {
        private final List<Integer> tids;
        private volatile boolean stop;
        private double integral;
        private long spanNs;

        ReservedSampler(List<Integer> tids) { this.tids = tids; }

        @Override
        public void run() {
            long last = System.nanoTime();
            double current = held();
            while (!stop) {
                try {
                    Thread.sleep(50);
                } catch (InterruptedException e) {
                    return;
                }
                long now = System.nanoTime();
                synchronized (this) {
                    integral += current * (now - last);
                    spanNs += now - last;
                }
                last = now;
                current = held();
            }
        }

        private double held() {
            double sum = 0;
            for (int tid : tids) {
                SchedAttributes a = sched.get(tid);
                if (a.policy() == SchedPolicy.DEADLINE && a.periodNs() > 0) sum += a.runtimeNs() / (double) a.periodNs();
            }
            return sum;
        }

        void stop() { stop = true; }

        synchronized double averageCpus() { return spanNs == 0 ? 0 : integral / spanNs; }
    }

    private static JsonNode parse(String json) {
        try {
            return json.isBlank() ? null : new ObjectMapper().readTree(json);
        } catch (IOException e) {
            return null;
        }
    }

    private static String rates(long rate) {
        List<String> r = new ArrayList<>();
        for (double s : CALIBRATION_RATES) r.add(Long.toString(Math.round(s * rate)));
        return String.join(", ", r) + " req/s, " + Duration.ofNanos(CALIBRATION_POINT_NS).toSeconds() + " s each";
    }

    private static String tail(String log) {
        String[] l = log.strip().split("\n");
        return String.join(" | ", java.util.Arrays.copyOfRange(l, Math.max(0, l.length - 4), l.length));
    }
}
