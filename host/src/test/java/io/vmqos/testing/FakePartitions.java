package io.vmqos.testing;

import io.vmqos.linux.CpuPartitions;
import io.vmqos.linux.PartitionChange;
import io.vmqos.linux.PartitionException;

import java.util.BitSet;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SortedMap;
import java.util.TreeMap;

/** Per-CPU partitions in memory: cpusets {@code /vmqos-cpuN}, and the cpuset of each thread ({@code /} unless moved). */
public final class FakePartitions implements CpuPartitions {
    public final TreeMap<String, BitSet> partitions = new TreeMap<>();
    public final Map<Integer, String> cpusetOfTid = new HashMap<>();
    /** Threads that sleep: moved, they stay on their old CPU (never {@link #arrived}) until removed from here. */
    public final java.util.Set<Integer> asleep = new java.util.HashSet<>();

    @Override
    public SortedMap<String, BitSet> list() { return new TreeMap<>(partitions); }

    @Override
    public PartitionChange plan(BitSet cpus) {
        List<PartitionChange.Step> steps = new java.util.ArrayList<>();
        for (int c = cpus.nextSetBit(0); c >= 0; c = cpus.nextSetBit(c + 1)) {
            String p = "/" + CpuPartitions.nameOf(c);
            if (!partitions.containsKey(p)) steps.add(PartitionChange.Step.mkdir(p, "/"));
        }
        return new PartitionChange(1, "/fake", cpus.stream().boxed().toList(), steps);
    }

    @Override
    public void apply(PartitionChange change) {
        for (PartitionChange.Step s : change.steps()) {
            int cpu = Integer.parseInt(s.path().substring(s.path().lastIndexOf("cpu") + 3));
            BitSet b = new BitSet();
            b.set(cpu);
            partitions.put(s.path(), b);
        }
    }

    @Override
    public void undo(PartitionChange change) {
        for (PartitionChange.Step s : change.steps()) {
            partitions.remove(s.path());
            cpusetOfTid.replaceAll((tid, cs) -> cs.equals(s.path()) ? s.undoValue() : cs);
        }
    }

    @Override public String cpusetOf(int tid) { return cpusetOfTid.getOrDefault(tid, "/"); }

    @Override
    public void move(int tid, String path) {
        if (!path.equals("/") && !partitions.containsKey(path)) throw new PartitionException("path", "no cpuset " + path);
        cpusetOfTid.put(tid, path);
    }

    @Override public boolean arrived(int tid, String path) { return cpusetOf(tid).equals(path) && !asleep.contains(tid); }
}
