package io.vmqos.agent;

import io.vmqos.analysis.LiveCalibration;
import io.vmqos.analysis.StageCostFit;
import io.vmqos.core.CostModel;
import io.vmqos.core.StageKind;
import io.vmqos.core.config.HostConfig;
import io.vmqos.core.config.VmConfig;
import io.vmqos.core.observed.ObservedVm;
import io.vmqos.core.vm.ThreadRole;
import io.vmqos.core.vm.VmThread;
import io.vmqos.host.config.CostModelFile;
import io.vmqos.host.state.HostRecord;
import io.vmqos.linux.ProcFs;
import io.vmqos.linux.ThreadScheduler;
import io.vmqos.linux.net.TapCounters;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.function.Function;

/**
 * The agent's continuous calibration: for every VM with its own cost model file ({@code vms[].costModel}) and an SLA,
 * every {@link #WINDOW_NANOS} it reads the VM's taps' packet and byte counters and its stage threads' CPU time
 * (schedstat: vcpu, the vCPU threads; io, the main loop, iothreads and vhost workers) and whether one of a stage's
 * threads ran at its reservation (then that window says nothing of the stage's cost), keeps the last {@link #KEEP}
 * windows, and every {@link #FIT_EVERY} windows fits them ({@link LiveCalibration}, the same fit as {@code vmqos vm
 * calibrate}; it injects no traffic). A fit it refuses (too few windows, too little variation in the traffic) changes
 * nothing; a stage whose fit is weak (R² below {@link #MIN_R2}, no positive cost) is left out, so the VM keeps the host's
 * cost for it (its own stages override the host's); an accepted one that moves a stage's cost of a mean-sized packet by more than
 * {@link #CHANGE} (or the first one) is written to the VM's file, and the agent reconciles: the VM is then sized (its
 * floors) with its own model, each stage's fitted intercept (its use besides the packets) as its background load. Used on the agent's duty thread only.
 */
final class LiveCalibrator {
    static final long WINDOW_NANOS = 1_000_000_000L;
    /** Windows kept: the last three minutes. */
    static final int KEEP = 180;
    /** Windows between two fits: 15 s. */
    static final int FIT_EVERY = 15;
    /**
     * How well a stage's per-packet cost must be known for the agent to keep it: its standard error at most this share of
     * it, {@code sqrt((1 - R²) / (R² (n - 2)))} over n windows. Not a fixed R² as {@code vm calibrate}'s (0.8 over the
     * few windows of one run): the agent's fit runs over up to {@link #KEEP} windows, and a noisy stage (R² 0.56 on the
     * lab's TCG main loop on a busy machine) is known within 20% after 48 windows. A stage that is not keeps the host's cost.
     */
    static final double MAX_RELATIVE_ERROR = 0.25;
    /** A refit that moves a stage's per-packet cost by less than this is not written. */
    static final double CHANGE = 0.10;

    private record Watched(String vm, Path file, int pid, long startTime, Map<StageKind, List<Integer>> tids) {}

    private record Reading(long packets, long bytes, Map<Integer, Long> cpuNs, long atNs) {}

    private final VmTraffic traffic;
    private final ProcFs proc;
    private final ThreadScheduler sched;
    private final Log log;
    private Map<String, Watched> watched = Map.of();
    private final Map<String, Reading> last = new HashMap<>();
    private final Map<String, ArrayDeque<LiveCalibration.Window>> windows = new HashMap<>();
    private final Map<String, Integer> sinceFit = new HashMap<>();
    private final Map<String, String> lastRefusal = new HashMap<>();

    /** @param sched reads each stage thread's scheduling, to tell a window where it ran at its reservation */
    LiveCalibrator(VmTraffic traffic, ProcFs proc, ThreadScheduler sched, Log log) {
        this.traffic = traffic;
        this.proc = proc;
        this.sched = sched;
        this.log = log;
    }

    /**
     * Follows the VMs of {@code cfg} that have their own cost model and an SLA, as {@code record} holds them now; a QEMU
     * seen for the first time (or restarted) has its threads discovered once with {@code discover}.
     */
    void follow(HostConfig cfg, HostRecord record, Function<HostConfig, Map<String, ObservedVm>> discover) {
        Map<String, HostRecord.VmEntry> entries = new HashMap<>();
        for (HostRecord.VmEntry v : record.vms()) entries.put(v.owner().vm(), v);
        List<VmConfig> fresh = new ArrayList<>();
        Map<String, Watched> next = new TreeMap<>();
        for (VmConfig vm : cfg.vms()) {
            HostRecord.VmEntry e = entries.get(vm.name());
            if (vm.costModelPath().isEmpty() || !vm.hasSla() || e == null) continue;
            Watched w = watched.get(vm.name());
            if (w != null && w.pid() == e.pid() && w.startTime() == e.startTime()) next.put(vm.name(), w);
            else fresh.add(vm);
        }
        if (!fresh.isEmpty()) {
            Map<String, ObservedVm> seen;
            try {
                seen = discover.apply(new HostConfig(cfg.host(), cfg.costModelPath(), cfg.overheadPerActivationNs(), fresh));
            } catch (RuntimeException ex) {
                log.warn("live calibration: cannot discover the threads of " + fresh.stream().map(VmConfig::name).toList() + ": " + ex.getMessage());
                seen = Map.of();
            }
            for (VmConfig vm : fresh) {
                ObservedVm ov = seen.get(vm.name());
                HostRecord.VmEntry e = entries.get(vm.name());
                if (ov == null) continue;
                Map<StageKind, List<Integer>> tids = new EnumMap<>(StageKind.class);
                for (StageKind k : List.of(StageKind.VCPU, StageKind.IO)) {
                    List<Integer> l = new ArrayList<>();
                    for (ThreadRole role : ThreadRole.of(k)) for (VmThread t : ov.threads().of(role)) l.add(t.tid());
                    if (!l.isEmpty()) tids.put(k, List.copyOf(l));
                }
                next.put(vm.name(), new Watched(vm.name(), Path.of(vm.costModelPath().get()), e.pid(), e.startTime(), tids));
                windows.remove(vm.name());
                last.remove(vm.name());
                sinceFit.remove(vm.name());
            }
        }
        watched = next;
        Set<String> keep = next.keySet();
        last.keySet().retainAll(keep);
        windows.keySet().retainAll(keep);
        sinceFit.keySet().retainAll(keep);
    }

    /** True when some VM is calibrated: the agent samples every {@link #WINDOW_NANOS}. */
    boolean active() { return !watched.isEmpty(); }

    /**
     * Reads every followed VM's counters and CPU times, closing a window; fits when due.
     *
     * @return why to reconcile (a VM's own cost model was written), or empty
     */
    Optional<String> sample(HostRecord record, long nowNs) {
        if (watched.isEmpty()) return Optional.empty();
        Map<String, TapCounters.Counters> counters = traffic.read(record, watched::containsKey);
        List<String> written = new ArrayList<>();
        for (Watched w : watched.values()) {
            TapCounters.Counters c = counters.get(w.vm());
            Map<Integer, Long> cpu = new HashMap<>();
            boolean gone = c == null;
            for (List<Integer> tids : w.tids().values()) {
                for (int tid : tids) {
                    long t = proc.cpuTimeNs(tid);
                    if (t < 0) gone = true;
                    cpu.put(tid, Math.max(0, t));
                }
            }
            if (gone) { // a thread or tap went away: the next reconcile rediscovers it; start the window again
                last.remove(w.vm());
                continue;
            }
            Reading now = new Reading(c.rxPackets() + c.txPackets(), c.rxBytes() + c.txBytes(), cpu, nowNs);
            Reading prev = last.put(w.vm(), now);
            if (prev == null || nowNs <= prev.atNs()) continue;
            double secs = (nowNs - prev.atNs()) / 1e9;
            Map<Integer, Double> use = new HashMap<>();
            cpu.forEach((tid, ns) -> use.put(tid, (ns - prev.cpuNs().getOrDefault(tid, ns)) / secs));
            ArrayDeque<LiveCalibration.Window> q = windows.computeIfAbsent(w.vm(), k -> new ArrayDeque<>());
            q.addLast(LiveCalibration.window((now.packets() - prev.packets()) / secs, (now.bytes() - prev.bytes()) / secs, w.tids(), use, sched::find));
            while (q.size() > KEEP) q.removeFirst();
            int n = sinceFit.merge(w.vm(), 1, Integer::sum);
            if (n < FIT_EVERY || q.size() < LiveCalibration.MIN_WINDOWS) continue;
            sinceFit.put(w.vm(), 0);
            fit(w, List.copyOf(q)).ifPresent(written::add);
        }
        return written.isEmpty() ? Optional.empty() : Optional.of("live calibration: " + String.join(", ", written));
    }

    /** Fits one VM's windows; writes its file when the fit is accepted and new; says what it wrote. */
    private Optional<String> fit(Watched w, List<LiveCalibration.Window> q) {
        LiveCalibration.Result r = LiveCalibration.fit(q, w.tids().keySet(), 0);
        Map<StageKind, io.vmqos.core.StageCost> good = new EnumMap<>(StageKind.class);
        for (var e : r.fits().entrySet()) {
            if (e.getValue().usable() && relativeError(e.getValue().r2(), e.getValue().points()) <= MAX_RELATIVE_ERROR) good.put(e.getKey(), e.getValue().stageCost().orElseThrow());
        }
        if (good.isEmpty()) {
            String why = r.refusal().orElseGet(() -> {
                List<String> l = new ArrayList<>();
                r.fits().forEach((k, f) -> l.add(String.format(Locale.ROOT, "%s R² %.2f over %d windows (its cost known within %.0f%%, %.0f%% needed)",
                        k.name().toLowerCase(Locale.ROOT), f.r2(), f.points(), 100 * relativeError(f.r2(), f.points()), 100 * MAX_RELATIVE_ERROR)));
                return "the fit is too weak: " + String.join("; ", l) + " (it goes on fitting as the traffic varies)";
            });
            if (!why.equals(lastRefusal.put(w.vm(), why))) log.info("vm " + w.vm() + ": live calibration: no new cost model yet: " + why);
            return Optional.empty();
        }
        lastRefusal.remove(w.vm());
        CostModel model = new CostModel(good);
        Optional<CostModel> before = Optional.empty();
        try {
            if (Files.isRegularFile(w.file())) before = Optional.of(CostModelFile.read(w.file()).model());
        } catch (RuntimeException unreadable) {
            log.warn("vm " + w.vm() + ": its cost model " + w.file() + " is not readable (" + unreadable.getMessage() + "): it is written again");
        }
        int bytes = (int) Math.max(1, Math.round(r.meanPacketBytes()));
        if (before.isPresent() && !moved(before.get(), model, bytes)) return Optional.empty();
        Map<StageKind, Double> r2s = new EnumMap<>(StageKind.class);
        good.keySet().forEach(k -> r2s.put(k, r.fits().get(k).r2()));
        Map<String, Object> meta = new LinkedHashMap<>();
        meta.put("source", "vmqos agent (live, the VM's own traffic)");
        meta.put("vm", w.vm());
        meta.put("windows", r.windows());
        meta.put("meanPacketBytes", bytes);
        try {
            CostModelFile.write(w.file(), model, r2s, meta);
        } catch (RuntimeException e) {
            log.warn("vm " + w.vm() + ": live calibration: cannot write " + w.file() + ": " + e.getMessage());
            return Optional.empty();
        }
        List<String> stages = new ArrayList<>();
        for (StageKind k : w.tids().keySet()) {
            if (!r.fits().containsKey(k)) stages.add(k.name().toLowerCase(Locale.ROOT) + " left to the host's model (" + r.refusal().orElse("not fitted") + ")");
        }
        for (Map.Entry<StageKind, StageCostFit> e : r.fits().entrySet()) {
            if (!good.containsKey(e.getKey())) {
                stages.add(String.format(Locale.ROOT, "%s left to the host's model (R² %.2f, known within %.0f%%)", e.getKey().name().toLowerCase(Locale.ROOT),
                        e.getValue().r2(), 100 * relativeError(e.getValue().r2(), e.getValue().points())));
                continue;
            }
            stages.add(String.format(Locale.ROOT, "%s %.0f ns per %d B packet + %.2f%% of a CPU besides (R² %.2f)", e.getKey().name().toLowerCase(Locale.ROOT),
                    model.cpuNsPerPacket(e.getKey(), bytes), bytes, model.cost(e.getKey()).backgroundNsPerSecond() / 1e7, e.getValue().r2()));
        }
        log.info("vm " + w.vm() + ": live calibration over " + r.windows() + " windows: " + String.join(", ", stages) + "; written to " + w.file());
        return Optional.of("vm " + w.vm() + " refitted");
    }

    /** The standard error of a one-regressor fit's slope relative to the slope, from its R² over {@code n} points. */
    static double relativeError(double r2, int n) {
        if (n <= 2 || r2 <= 0) return Double.POSITIVE_INFINITY;
        return Math.sqrt((1 - r2) / (r2 * (n - 2)));
    }

    /** True when some stage's cost of a {@code bytes} packet moved by more than {@link #CHANGE}, or a stage appeared. */
    static boolean moved(CostModel before, CostModel after, int bytes) {
        for (StageKind k : after.kinds()) {
            if (!before.kinds().contains(k)) return true;
            double a = before.cpuNsPerPacket(k, bytes), b = after.cpuNsPerPacket(k, bytes);
            if (Math.abs(b - a) > CHANGE * Math.max(1, Math.abs(a))) return true;
        }
        return false;
    }
}
