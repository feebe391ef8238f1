package io.vmqos.linux;

import java.util.BitSet;
import java.util.List;

/**
 * One cpuset cgroup as the root-domain computation needs it. Immutable snapshot (the BitSet is not copied:
 * do not mutate it).
 *
 * @param path path relative to the cpuset mount ("" for the root)
 * @param effectiveCpus {@code cpuset.effective_cpus} (v1) or {@code cpuset.cpus.effective} (v2)
 * @param loadBalance v1 {@code cpuset.sched_load_balance}; true on v2
 * @param partition v2 {@code cpuset.cpus.partition} ("root", "isolated", "member", "root invalid (...)");
 *     "root" for the v2 root cgroup, "" on v1
 */
public record CpusetNode(String path, BitSet effectiveCpus, boolean loadBalance, String partition, List<CpusetNode> children) {
    public CpusetNode {
        children = List.copyOf(children);
    }
}
