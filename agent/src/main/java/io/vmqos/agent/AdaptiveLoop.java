package io.vmqos.agent;

import io.vmqos.analysis.AdaptiveBudget;
import io.vmqos.core.Durations;
import io.vmqos.core.desired.AdaptiveBounds;
import io.vmqos.linux.ProcFs;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

/**
 * The agent's adaptive budgets: every {@link #SAMPLE_NANOS} it reads each adaptive thread's CPU time (schedstat) and
 * turns it into the thread's use per period over the sample; every {@link #SAMPLES_PER_WINDOW} samples (a window) it
 * gives the window to the thread's {@link AdaptiveBudget}, and when some runtime moves it asks for a reconcile, whose
 * policy grants the runtimes ({@link #asked}) within each thread's floor, ceiling and the headroom, through the
 * executor (all or nothing, recorded). Costs one schedstat read per adaptive thread per sample, nothing when no VM is
 * adaptive. Used on the agent's duty thread only; {@link #asked()} may be read by any thread.
 *
 * <p>What a sample sees: the thread's mean use per period over 100 ms (50 periods of 2 ms). A burst shorter than a
 * sample is averaged away: the floor keeps the bound through it, and a reclaiming thread runs it on what others leave.
 */
final class AdaptiveLoop {
    static final long SAMPLE_NANOS = 100_000_000L;
    static final int SAMPLES_PER_WINDOW = 20;

    private record Sample(long cpuNs, long atNs) {}

    private final ProcFs proc;
    private Map<Integer, AdaptiveBounds> followed = Map.of();
    private final Map<Integer, AdaptiveBudget> budgets = new HashMap<>();
    private final Map<Integer, Sample> last = new HashMap<>();
    private final Map<Integer, List<Long>> window = new HashMap<>();
    private volatile Map<Integer, Long> asked = Map.of();

    AdaptiveLoop(ProcFs proc) { this.proc = proc; }

    /** Follows these threads from now on (after each reconcile): new ones start at their floor, the others keep their budget within their new bounds. */
    void follow(List<AdaptiveBounds> bounds) {
        Map<Integer, AdaptiveBounds> next = new TreeMap<>();
        for (AdaptiveBounds b : bounds) {
            next.put(b.tid(), b);
            AdaptiveBounds before = followed.get(b.tid());
            AdaptiveBudget kept = budgets.get(b.tid());
            if (kept == null || before == null || before.periodNs() != b.periodNs()) {
                budgets.put(b.tid(), AdaptiveBudget.start(b.floorNs(), b.ceilingNs()));
                window.remove(b.tid());
            } else {
                budgets.put(b.tid(), kept.within(b.floorNs(), b.ceilingNs()));
            }
        }
        followed = next;
        budgets.keySet().retainAll(next.keySet());
        last.keySet().retainAll(next.keySet());
        window.keySet().retainAll(next.keySet());
        publish();
    }

    /** True when some thread is adaptive: the agent samples every {@link #SAMPLE_NANOS}. */
    boolean active() { return !followed.isEmpty(); }

    /** The runtime (ns) asked for each adaptive thread above its floor. Any thread. */
    Map<Integer, Long> asked() { return asked; }

    /** Every thread back at its floor (a reconcile with the budgets asked failed). */
    void reset() {
        for (AdaptiveBounds b : followed.values()) budgets.put(b.tid(), AdaptiveBudget.start(b.floorNs(), b.ceilingNs()));
        window.clear();
        publish();
    }

    /**
     * Reads every followed thread's CPU time; at the end of a thread's window, moves its budget.
     *
     * @return why to reconcile (some runtime moved), or empty
     */
    Optional<String> sample(long nowNs) {
        List<String> moved = new ArrayList<>();
        for (AdaptiveBounds b : followed.values()) {
            long cpu = proc.cpuTimeNs(b.tid());
            if (cpu < 0) continue; // gone: the next reconcile drops it
            Sample prev = last.put(b.tid(), new Sample(cpu, nowNs));
            if (prev == null || nowNs <= prev.atNs()) continue;
            List<Long> w = window.computeIfAbsent(b.tid(), k -> new ArrayList<>());
            w.add(Math.round((cpu - prev.cpuNs()) * (double) b.periodNs() / (nowNs - prev.atNs())));
            if (w.size() < SAMPLES_PER_WINDOW) continue;
            long[] uses = w.stream().mapToLong(Long::longValue).toArray();
            w.clear();
            AdaptiveBudget before = budgets.get(b.tid());
            AdaptiveBudget after = before.next(uses, b.reclaims());
            budgets.put(b.tid(), after);
            if (after.runtimeNs() != before.runtimeNs()) {
                moved.add("vm " + b.vm() + " " + stage(b) + " " + Durations.format(before.runtimeNs()) + " -> " + Durations.format(after.runtimeNs())
                        + "/" + Durations.format(b.periodNs()));
            }
        }
        if (moved.isEmpty()) return Optional.empty();
        publish();
        return Optional.of("adaptive budget: " + String.join(", ", moved));
    }

    private static String stage(AdaptiveBounds b) {
        int sp = b.label().indexOf(' ');
        return sp < 0 ? b.label() : b.label().substring(sp + 1);
    }

    private void publish() {
        Map<Integer, Long> m = new TreeMap<>();
        for (var e : budgets.entrySet()) if (e.getValue().runtimeNs() > e.getValue().floorNs()) m.put(e.getKey(), e.getValue().runtimeNs());
        asked = Map.copyOf(m);
    }
}
