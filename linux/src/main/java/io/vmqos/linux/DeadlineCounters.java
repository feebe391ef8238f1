package io.vmqos.linux;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.SortedMap;
import java.util.TreeMap;

/**
 * The kernel's DEADLINE admission counter ({@code dl_bw->total_bw}) as each CPU prints it, without who holds it: one
 * read of {@code sched/debug} (a fraction of a millisecond on a small host), where a {@link LedgerSnapshot} also walks
 * every thread of {@code /proc} and the cpuset tree (tens of ms). What a transaction compares before and after its own
 * change, whose bandwidth it knows. Immutable.
 *
 * <p>Every CPU of a root domain prints the same {@code dl_bw} (it is one structure), so CPUs that print the same
 * {@code bw} and {@code total_bw} are grouped, and each root domain lies within one group: no cpuset tree is read. Two
 * domains that happen to print the same values make one coarser group; {@link #movedBy} then still never confirms a
 * change the kernel did not make (the domain that moved and the one that did not print different values after it).
 *
 * @param perCpu each online CPU's {@code dl_rq[N]} values
 */
public record DeadlineCounters(SortedMap<Integer, CpuDlBandwidth> perCpu) {
    public DeadlineCounters { perCpu = Collections.unmodifiableSortedMap(new TreeMap<>(perCpu)); }

    /** The CPUs that print the same counter as {@code cpu} (a superset of its root domain); empty for an unknown CPU. */
    public List<Integer> groupOf(int cpu) {
        CpuDlBandwidth k = perCpu.get(cpu);
        List<Integer> g = new ArrayList<>();
        if (k == null) return g;
        for (CpuDlBandwidth o : perCpu.values()) if (o.totalBw().equals(k.totalBw()) && o.perCpuBw().equals(k.perCpuBw())) g.add(o.cpu());
        return g;
    }

    /** True when all CPUs print the same counter (one root domain, or domains no change can tell apart). */
    public boolean oneGroup() { return perCpu.isEmpty() || groupOf(perCpu.firstKey()).size() == perCpu.size(); }

    /**
     * True when {@code after} is this reading moved by exactly {@code moved} (± {@code tolerance} per CPU): every CPU's
     * counter changed by the sum of the bandwidth moved in its group.
     *
     * @param moved CPU (one of the thread's root domain; any CPU when {@link #oneGroup}) → fixed-point change
     */
    public boolean movedBy(DeadlineCounters after, Map<Integer, Long> moved, long tolerance) {
        Map<Integer, Long> expected = expected(after, moved);
        if (expected == null) return false;
        for (CpuDlBandwidth k : after.perCpu.values()) {
            if (Math.abs(k.totalBw().kernelUnits() - expected.get(k.cpu())) > tolerance) return false;
        }
        return true;
    }

    /**
     * How far {@code after} is above this reading moved by {@code moved}: the largest excess of any CPU's counter
     * (fixed-point; 0 when none is above, or when a CPU came or went).
     */
    public long excessOver(DeadlineCounters after, Map<Integer, Long> moved) {
        Map<Integer, Long> expected = expected(after, moved);
        long most = 0;
        if (expected != null) for (CpuDlBandwidth k : after.perCpu.values()) most = Math.max(most, k.totalBw().kernelUnits() - expected.get(k.cpu()));
        return most;
    }

    /** Each CPU's counter as this reading moved by {@code moved} would print it; null when the CPUs differ from {@code after}'s. */
    private Map<Integer, Long> expected(DeadlineCounters after, Map<Integer, Long> moved) {
        if (!after.perCpu.keySet().equals(perCpu.keySet())) return null; // a CPU came or went
        Map<Integer, Long> expected = new TreeMap<>();
        for (CpuDlBandwidth k : perCpu.values()) expected.put(k.cpu(), k.totalBw().kernelUnits());
        for (Map.Entry<Integer, Long> m : moved.entrySet()) {
            List<Integer> g = oneGroup() ? List.copyOf(perCpu.keySet()) : groupOf(m.getKey());
            if (g.isEmpty()) return null;
            for (int c : g) expected.merge(c, m.getValue(), Long::sum);
        }
        return expected;
    }
}
