package io.vmqos.cli;

import io.vmqos.analysis.LiveCalibration;
import io.vmqos.analysis.StageCostFit;
import io.vmqos.core.CostModel;
import io.vmqos.core.Durations;
import io.vmqos.core.StageKind;
import io.vmqos.core.net.TapRef;
import io.vmqos.core.vm.ThreadRole;
import io.vmqos.core.vm.VmThread;
import io.vmqos.core.vm.VmThreads;
import io.vmqos.host.config.CostModelFile;
import io.vmqos.linux.LinuxThreadScheduler;
import io.vmqos.linux.ProcFs;
import io.vmqos.linux.net.IpRoute;
import io.vmqos.linux.net.TapCounters;
import io.vmqos.linux.net.TapDiscovery;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;

/**
 * {@code vmqos vm calibrate}: the VM's own cost model from its own traffic ({@link LiveCalibration}), on the operator's
 * host, without the lab: every {@code --window} it reads the VM's taps' packet and byte counters and its stage threads'
 * CPU time (vcpu: the vCPU threads; io: the main loop, iothreads and vhost workers), and after {@code --duration} fits
 * each stage. It sends no packet. The host's NAPI threads are not calibrated this way (they carry other traffic too).
 */
@Command(name = "calibrate", mixinStandardHelpOptions = true,
        description = {"Fit a running VM's own cost model from its traffic: each stage's CPU time regressed on its taps' packets and bytes.",
                "Injects no traffic: run it while the VM's traffic varies. Refuses (exit 1, no file) an idle or steady VM and a weak fit, with the reason."})
final class VmCalibrateCommand implements Callable<Integer> {
    @Spec CommandSpec spec;
    @Mixin VmTarget target;
    @Option(names = "--duration", defaultValue = "60s", paramLabel = "DURATION", description = "How long to watch (default: ${DEFAULT-VALUE}).") String duration;
    @Option(names = "--window", defaultValue = "2s", paramLabel = "DURATION", description = "One observation (default: ${DEFAULT-VALUE}).") String window;
    @Option(names = "--min-r2", defaultValue = "0.8", description = "Smallest acceptable R² of each stage's fit (default: ${DEFAULT-VALUE}).") String minR2;
    @Option(names = {"-o", "--output"}, paramLabel = "FILE", description = "Cost-model file to write (default: print only).") Path output;
    @Option(names = "--json", description = "Print the fit as JSON.") boolean json;

    @Override
    public Integer call() throws InterruptedException {
        long durationNs = Durations.parseNanos("--duration", duration), windowNs = Durations.parseNanos("--window", window);
        if (windowNs < 500_000_000L) throw new io.vmqos.core.InvalidInputException("--window", Durations.format(windowNs) + " is too short", "give at least 500ms, e.g. 2s");
        if (durationNs < windowNs * LiveCalibration.MIN_WINDOWS) {
            throw new io.vmqos.core.InvalidInputException("--duration", "gives fewer than " + LiveCalibration.MIN_WINDOWS + " windows of " + Durations.format(windowNs),
                    "give at least " + Durations.format(windowNs * LiveCalibration.MIN_WINDOWS));
        }
        double r2 = CliNumbers.real("--min-r2", minR2, "0.8");
        VmThreads vm = target.discover();
        List<TapRef> taps = new TapDiscovery().requireTaps(vm.pid(), vm.name());
        TapCounters counters = new TapCounters(IpRoute.system());
        ProcFs proc = new ProcFs();
        Map<StageKind, List<Integer>> stages = new EnumMap<>(StageKind.class);
        for (StageKind k : List.of(StageKind.VCPU, StageKind.IO)) {
            List<Integer> tids = new ArrayList<>();
            for (ThreadRole role : ThreadRole.of(k)) for (VmThread t : vm.of(role)) tids.add(t.tid());
            if (!tids.isEmpty()) stages.put(k, tids);
        }
        PrintWriter err = spec.commandLine().getErr();
        err.printf("vmqos vm calibrate: watching %s (pid %d; taps %s; %s) for %s in windows of %s%n", vm.name(), vm.pid(),
                taps.stream().map(TapRef::name).toList(), stages, Durations.format(durationNs), Durations.format(windowNs));
        err.flush();
        List<LiveCalibration.Window> windows = new ArrayList<>();
        LinuxThreadScheduler sched = new LinuxThreadScheduler();
        long[] last = read(taps, counters, vm);
        Map<Integer, Long> lastCpu = cpu(stages, proc, vm);
        long t = System.nanoTime(), end = t + durationNs;
        while (System.nanoTime() + windowNs <= end + windowNs / 10) {
            Thread.sleep(Math.max(1, (t + windowNs - System.nanoTime()) / 1_000_000));
            long now = System.nanoTime();
            long[] c = read(taps, counters, vm);
            Map<Integer, Long> cpu = cpu(stages, proc, vm);
            double secs = (now - t) / 1e9;
            Map<Integer, Double> use = new HashMap<>();
            for (int tid : cpu.keySet()) use.put(tid, (cpu.get(tid) - lastCpu.get(tid)) / secs);
            LiveCalibration.Window w = LiveCalibration.window((c[0] - last[0]) / secs, (c[1] - last[1]) / secs, stages, use, sched::find);
            windows.add(w);
            err.printf(Locale.ROOT, "  window %2d: %7.0f packets/s; CPU vcpu %5.2f%% io %5.2f%%%s%n", windows.size(), w.packetsPerSecond(),
                    w.cpuNsPerSecond().getOrDefault(StageKind.VCPU, 0.0) / 1e7, w.cpuNsPerSecond().getOrDefault(StageKind.IO, 0.0) / 1e7,
                    w.atReservation().isEmpty() ? "" : "; at its reservation: " + w.atReservation().stream().map(k -> k.name().toLowerCase(Locale.ROOT)).sorted().toList());
            err.flush();
            last = c;
            lastCpu = cpu;
            t = now;
        }
        LiveCalibration.Result r = LiveCalibration.fit(windows, stages.keySet(), r2);
        PrintWriter out = spec.commandLine().getOut();
        if (json) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("vm", vm.name());
            m.put("windows", r.windows());
            m.put("meanPacketBytes", r.meanPacketBytes());
            m.put("rateVariation", r.rateVariation());
            Map<String, Object> fits = new LinkedHashMap<>();
            r.fits().forEach((k, f) -> fits.put(k.name().toLowerCase(Locale.ROOT), Map.of("perPacketNs", f.perPacketNs(), "perByteNs", f.perByteNs(),
                    "idleNsPerSecond", f.idleNsPerSecond(), "r2", f.r2())));
            m.put("stages", fits);
            m.put("refusal", r.refusal().orElse(null));
            Json.print(out, m);
        } else {
            out.printf(Locale.ROOT, "VM %s: %d windows, %.0f B per packet on average, packet rate varying by %.0f%%%n", vm.name(), r.windows(),
                    r.meanPacketBytes(), r.rateVariation() * 100);
            for (Map.Entry<StageKind, StageCostFit> e : r.fits().entrySet()) {
                StageCostFit f = e.getValue();
                out.printf(Locale.ROOT, "  %-5s %8.0f ns per packet + %6.2f ns per byte (%.0f ns per %.0f B packet), idle %5.2f%% of a CPU, R² %.3f%n",
                        e.getKey().name().toLowerCase(Locale.ROOT), f.perPacketNs(), f.perByteNs(), f.perPacketNs() + f.perByteNs() * r.meanPacketBytes(),
                        r.meanPacketBytes(), f.idleNsPerSecond() / 1e7, f.r2());
            }
        }
        out.flush();
        if (r.refusal().isPresent()) throw new CommandFailedException(Main.REFUSED, "refused, no file written: " + r.refusal().get());
        if (output != null) {
            CostModel model = r.model().orElseThrow();
            Map<StageKind, Double> r2s = new EnumMap<>(StageKind.class);
            r.fits().forEach((k, f) -> r2s.put(k, f.r2()));
            Map<String, Object> meta = new LinkedHashMap<>();
            meta.put("source", "vmqos vm calibrate (live, the VM's own traffic)");
            meta.put("vm", vm.name());
            meta.put("windows", r.windows());
            meta.put("meanPacketBytes", Math.round(r.meanPacketBytes()));
            CostModelFile.write(output, model, r2s, meta);
            out.println("wrote " + output);
        }
        return Main.DONE;
    }

    /** Packets and bytes through the VM's taps so far, both directions. */
    private static long[] read(List<TapRef> taps, TapCounters counters, VmThreads vm) {
        long p = 0, b = 0;
        for (TapRef tap : taps) {
            TapCounters.Counters c = counters.read(tap).orElseThrow(() -> new CommandFailedException(Main.REFUSED,
                    "tap " + tap.name() + " of VM " + vm.name() + " went away during the calibration: the VM stopped or was reconfigured; nothing written"));
            p += c.rxPackets() + c.txPackets();
            b += c.rxBytes() + c.txBytes();
        }
        return new long[] {p, b};
    }

    /** Each stage thread's CPU time so far. */
    private static Map<Integer, Long> cpu(Map<StageKind, List<Integer>> stages, ProcFs proc, VmThreads vm) {
        Map<Integer, Long> out = new HashMap<>();
        for (List<Integer> tids : stages.values()) {
            for (int tid : tids) {
                long c = proc.cpuTimeNs(tid);
                if (c < 0) throw new CommandFailedException(Main.REFUSED, "thread " + tid + " of VM " + vm.name()
                        + " exited during the calibration: its threads changed (restart, hot-plug); nothing written, calibrate again");
                out.put(tid, c);
            }
        }
        return out;
    }
}
