package io.vmqos.agent;

import io.vmqos.core.config.HostConfig;
import io.vmqos.core.config.VmConfig;
import io.vmqos.core.desired.DesiredState;
import io.vmqos.core.desired.DesiredThread;
import io.vmqos.linux.ProcFs;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;

/**
 * Holds every reclaiming thread (a VM with {@code reclaim: true}) to its ceiling. SCHED_FLAG_RECLAIM (GRUB) lets a
 * DEADLINE thread run on bandwidth others leave, up to {@code sched_rt_runtime_us/period} (95%) of its CPU whatever its
 * runtime/period, so on its own it would break the promise that a reservation bounds what a thread takes. Every
 * {@link #SAMPLE_NANOS} the guard reads each reclaiming thread's CPU time (schedstat) and, over the last
 * {@link #WINDOW_NANOS}, its share of a CPU:
 * <ul>
 *   <li>above its ceiling (+{@link #TOLERANCE}): its reclaim is suspended (the agent reconciles it without the flag, so
 *       the kernel holds it to its runtime/period, which is below its ceiling);</li>
 *   <li>suspended for at least its hold time, and calm: throttled in fewer than {@link #CALM_THROTTLES} of its periods
 *       (involuntary switches: a thread that still wants more than its runtime is throttled in a third or more of them,
 *       a sleeping one in none) and using less than {@link #CALM} of its reservation: its reclaim is given back. A thread that runs away again within a hold is held twice as long next time
 *       (up to {@link #MAX_HOLD_NANOS}).</li>
 * </ul>
 * A runaway thread is back within its ceiling after one window, one sample and one reconcile: a few hundred ms. Costs one
 * schedstat read per reclaiming thread per sample, and nothing when no VM reclaims. Used on the agent's duty thread.
 */
final class ReclaimGuard {
    static final long SAMPLE_NANOS = 50_000_000L;
    static final long WINDOW_NANOS = 150_000_000L;
    static final double TOLERANCE = 0.01;
    /** A suspended thread using less than this share of its reservation is calm. */
    static final double CALM = 0.9;
    /** A suspended thread throttled in fewer than this share of its periods is calm. */
    static final double CALM_THROTTLES = 0.05;
    static final long MIN_HOLD_NANOS = 1_000_000_000L;
    static final long MAX_HOLD_NANOS = 60_000_000_000L;

    /**
     * A reclaiming thread and its ceiling, in CPUs.
     *
     * @param recorded for a thread another scope reserved ({@code vm reserve --reclaim} run through the agent): the
     *     attributes the record says it holds, which the guard sets without and with the flag itself (that scope's
     *     reservation is not the configuration's, so no reconcile of the agent's changes it); null for the
     *     configuration's threads, whose reclaim the agent's reconcile suspends
     * @param startTime the thread's start time (a recorded thread is only touched while it is the same thread)
     */
    record Watched(int tid, String vm, String label, double reservedCpus, double ceilingCpus, long periodNs,
                   io.vmqos.core.SchedAttributes recorded, long startTime) {
        Watched(int tid, String vm, String label, double reservedCpus, double ceilingCpus, long periodNs) {
            this(tid, vm, label, reservedCpus, ceilingCpus, periodNs, null, -1);
        }
    }

    /**
     * The reclaiming threads of the other scopes in {@code record} (a {@code vm reserve --reclaim} the agent ran): each
     * held to {@link VmConfig#DEFAULT_CEILING_FACTOR} × its reservation, at most one CPU.
     */
    static List<Watched> recorded(io.vmqos.host.state.HostRecord record, String ownScope) {
        List<Watched> out = new ArrayList<>();
        for (io.vmqos.host.state.HostRecord.ThreadEntry t : record.threads()) {
            io.vmqos.core.SchedAttributes a = t.applied().toAttributes();
            if (!a.isDeadline() || !a.reclaims()) continue;
            if (t.owners().isEmpty() || t.owners().stream().anyMatch(o -> o.scope().equals(ownScope))) continue;
            double reserved = a.bandwidth().cpus();
            String who = t.owners().getFirst().vm() == null ? t.owners().getFirst().scope() : t.owners().getFirst().vm();
            out.add(new Watched(t.tid(), who, t.label(), reserved, Math.max(reserved, Math.min(1.0, VmConfig.DEFAULT_CEILING_FACTOR * reserved)),
                    a.periodNs(), a, t.startTime()));
        }
        return out;
    }

    private record Sample(long cpuNs, long involuntary, long atNs) {}

    private record Suspension(long sinceNs, long holdNs) {}

    private final ProcFs proc;
    private final Log log;
    private List<Watched> watched = List.of();
    private final Map<Integer, java.util.LinkedList<Sample>> samples = new HashMap<>();
    private final Map<Integer, Suspension> suspended = new HashMap<>();
    /** Each thread's last hold and when it ended, to double it when the thread runs away again soon after. */
    private final Map<Integer, Long> lastHold = new HashMap<>(), restoredAt = new HashMap<>();
    /** A runaway within this time of its reclaim given back is held twice as long as the last time. */
    static final long AGAIN_NANOS = 10_000_000_000L;
    private volatile Set<Integer> suspendedView = Set.of();

    /** Sets a recorded thread's attributes (its reclaim suspended or given back). */
    private final java.util.function.BiConsumer<Integer, io.vmqos.core.SchedAttributes> setter;

    ReclaimGuard(ProcFs proc, Log log) {
        this(proc, log, (tid, a) -> new io.vmqos.linux.LinuxThreadScheduler().set(tid, a));
    }

    ReclaimGuard(ProcFs proc, Log log, java.util.function.BiConsumer<Integer, io.vmqos.core.SchedAttributes> setter) {
        this.proc = proc;
        this.log = log;
        this.setter = setter;
    }

    /**
     * A recorded thread's reclaim suspended ({@code on} false) or given back, by the guard itself; false when the thread
     * is gone or another one (its start time differs), or the kernel refused.
     */
    private boolean setRecorded(Watched w, boolean on) {
        if (proc.startTime(w.tid()).orElse(-1L) != w.startTime()) return false;
        io.vmqos.core.SchedAttributes r = w.recorded();
        long flags = on ? r.flags() | io.vmqos.core.SchedFlag.RECLAIM.bit() : r.flags() & ~io.vmqos.core.SchedFlag.RECLAIM.bit();
        try {
            setter.accept(w.tid(), new io.vmqos.core.SchedAttributes(r.policy(), flags, r.nice(), r.priority(), r.runtimeNs(), r.deadlineNs(), r.periodNs()));
            return true;
        } catch (RuntimeException e) {
            log.warn("vm " + w.vm() + ": " + w.label() + " (thread " + w.tid() + "): cannot " + (on ? "give its reclaim back" : "suspend its reclaim") + ": " + e.getMessage());
            return false;
        }
    }

    /** The reclaiming threads of {@code desired} (those of VMs with {@code reclaim: true}, suspended ones too). */
    static List<Watched> watched(HostConfig cfg, DesiredState desired) {
        List<Watched> out = new ArrayList<>();
        Map<Integer, Long> floors = new HashMap<>();
        for (var b : desired.adaptive()) floors.put(b.tid(), b.floorNs());
        for (DesiredThread t : desired.threads()) {
            if (!t.attrs().isDeadline() || t.vms().size() != 1) continue; // a NAPI thread several VMs share never reclaims
            Optional<VmConfig> vm = cfg.vm(t.vms().getFirst());
            if (vm.isEmpty() || !vm.get().reclaim()) continue;
            // an adaptive thread's ceiling is its floor's (what it was admitted at), whatever runtime it holds now
            double reserved = floors.containsKey(t.tid()) ? io.vmqos.core.CpuBandwidth.ofRuntime(floors.get(t.tid()), t.attrs().periodNs()).cpus()
                    : t.attrs().bandwidth().cpus();
            out.add(new Watched(t.tid(), vm.get().name(), t.label(), reserved, vm.get().ceilingCpus(reserved), t.attrs().periodNs()));
        }
        return out;
    }

    /** Follows these threads from now on (after each reconcile); forgets the others. */
    void follow(List<Watched> threads) {
        watched = List.copyOf(threads);
        Set<Integer> tids = new TreeSet<>();
        for (Watched w : threads) tids.add(w.tid());
        samples.keySet().retainAll(tids);
        lastHold.keySet().retainAll(tids);
        restoredAt.keySet().retainAll(tids);
        if (suspended.keySet().retainAll(tids)) suspendedView = Set.copyOf(suspended.keySet());
    }

    /** True when some thread reclaims (or is suspended): the agent samples every {@link #SAMPLE_NANOS}. */
    boolean active() { return !watched.isEmpty(); }

    /** Threads whose reclaim is suspended now. Any thread. */
    Set<Integer> suspended() { return suspendedView; }

    /**
     * Reads every followed thread's CPU time and judges its last window.
     *
     * @return why to reconcile (a reclaim suspended or given back), or empty
     */
    Optional<String> sample(long nowNs) {
        List<String> changes = new ArrayList<>();
        for (Watched w : watched) {
            long cpu = proc.cpuTimeNs(w.tid());
            if (cpu < 0) continue; // gone: the next reconcile drops it
            Suspension s = suspended.get(w.tid());
            long inv = s == null ? 0 : proc.involuntarySwitches(w.tid()); // read only while suspended
            java.util.LinkedList<Sample> q = samples.computeIfAbsent(w.tid(), k -> new java.util.LinkedList<>());
            q.addLast(new Sample(cpu, inv, nowNs));
            while (q.size() > 2 && nowNs - q.get(1).atNs() >= WINDOW_NANOS) q.removeFirst();
            Sample first = q.getFirst();
            long span = nowNs - first.atNs();
            if (span < WINDOW_NANOS) continue;
            double share = (cpu - first.cpuNs()) / (double) span;
            double throttled = (inv - first.involuntary()) / Math.max(1.0, span / (double) w.periodNs());
            if (s == null && share > w.ceilingCpus() + TOLERANCE) {
                Long back = restoredAt.get(w.tid());
                long hold = back != null && nowNs - back < AGAIN_NANOS ? Math.min(MAX_HOLD_NANOS, 2 * lastHold.getOrDefault(w.tid(), MIN_HOLD_NANOS)) : MIN_HOLD_NANOS;
                if (w.recorded() != null && !setRecorded(w, false)) continue;
                suspended.put(w.tid(), new Suspension(nowNs, hold));
                lastHold.put(w.tid(), hold);
                log.warn(String.format(Locale.ROOT, "vm %s: %s (thread %d) took %.1f%% of a CPU over the last %d ms, above its reclaim ceiling %.1f%%: "
                                + "reclaim suspended, it runs within its reservation (%.1f%%) for at least %d s", w.vm(), w.label(), w.tid(), share * 100,
                        span / 1_000_000, w.ceilingCpus() * 100, w.reservedCpus() * 100, hold / 1_000_000_000L));
                if (w.recorded() == null) changes.add("reclaim: vm " + w.vm() + " thread " + w.tid() + " above its ceiling");
                q.clear();
            } else if (s != null && nowNs - s.sinceNs() >= s.holdNs() && share < CALM * w.reservedCpus() && throttled < CALM_THROTTLES) {
                if (w.recorded() != null && !setRecorded(w, true)) continue;
                suspended.remove(w.tid());
                restoredAt.put(w.tid(), nowNs);
                log.info(String.format(Locale.ROOT, "vm %s: %s (thread %d) is calm again (%.1f%% of a CPU): reclaim given back", w.vm(), w.label(),
                        w.tid(), share * 100));
                if (w.recorded() == null) changes.add("reclaim: vm " + w.vm() + " thread " + w.tid() + " calm again");
                q.clear();
            }
        }
        suspendedView = Set.copyOf(suspended.keySet());
        return changes.isEmpty() ? Optional.empty() : Optional.of(String.join(", ", changes));
    }
}
