package io.vmqos.linux;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.Deque;
import java.util.List;

/**
 * Which CPUs share a root domain, i.e. one {@code dl_bw} ledger, computed from the cpuset tree the way
 * {@code generate_sched_domains()} in kernel/cgroup/cpuset.c does. Pure functions; thread-safe.
 *
 * <p>CPUs that end up in no scheduling domain (isolcpus, v1 cpusets without load balancing, v2 "isolated"
 * partitions) all attach to the kernel's single {@code def_root_domain}; they are returned as one more domain.
 * Domains are sorted by their lowest CPU.
 */
public final class RootDomains {
    private RootDomains() {}

    /** No cpuset controller: one root domain of all online CPUs except isolcpus, plus the isolated ones. */
    public static List<BitSet> flat(BitSet online, BitSet isolated) {
        BitSet all = (BitSet) online.clone();
        all.andNot(isolated);
        return withDefaultDomain(List.of(all), online);
    }

    /**
     * cgroup v1: if the root cpuset balances load, one domain of its effective CPUs; otherwise the topmost
     * load-balanced cpusets (exclusive or not: overlapping ones merge into one domain).
     */
    public static List<BitSet> v1(CpusetNode root, BitSet online, BitSet isolated) {
        List<BitSet> doms = new ArrayList<>();
        for (CpusetNode cs : v1DomainCpusets(root, online, isolated)) doms.add(housekeeping(cs.effectiveCpus(), online, isolated));
        return withDefaultDomain(merge(doms), online);
    }

    /**
     * cgroup v1: the cpusets whose CPUs make the root domains, in tree order: the root when it balances load,
     * otherwise the topmost load-balanced cpusets with housekeeping CPUs (overlapping ones share one domain).
     */
    static List<CpusetNode> v1DomainCpusets(CpusetNode root, BitSet online, BitSet isolated) {
        if (root.loadBalance()) return List.of(root);
        List<CpusetNode> out = new ArrayList<>();
        Deque<CpusetNode> todo = new ArrayDeque<>(root.children().reversed());
        while (!todo.isEmpty()) {
            CpusetNode cs = todo.pop();
            boolean balancing = cs.loadBalance() && !housekeeping(cs.effectiveCpus(), online, isolated).isEmpty();
            if (balancing) {
                out.add(cs); // its subtree belongs to this domain
            } else if (!cs.effectiveCpus().isEmpty()) {
                for (CpusetNode c : cs.children().reversed()) todo.push(c); // not balancing: look deeper
            }
        }
        return out;
    }

    /**
     * cgroup v2: the root partition's effective CPUs, plus one domain per valid "root" partition; CPUs of
     * "isolated" partitions are in no domain.
     */
    public static List<BitSet> v2(CpusetNode root, BitSet online, BitSet isolated) {
        List<BitSet> doms = new ArrayList<>();
        doms.add(housekeeping(root.effectiveCpus(), online, isolated));
        Deque<CpusetNode> todo = new ArrayDeque<>(root.children());
        while (!todo.isEmpty()) {
            CpusetNode cs = todo.pop();
            if (cs.partition().equals("root")) doms.add(housekeeping(cs.effectiveCpus(), online, isolated));
            todo.addAll(cs.children());
        }
        return withDefaultDomain(merge(doms), online);
    }

    /** {@code cpus} that are online and not isolated. */
    static BitSet housekeeping(BitSet cpus, BitSet online, BitSet isolated) {
        BitSet b = (BitSet) cpus.clone();
        b.and(online);
        b.andNot(isolated);
        return b;
    }

    /** Merges overlapping sets (the kernel's union-find over cpusets) and drops empty ones. */
    static List<BitSet> merge(List<BitSet> sets) {
        List<BitSet> out = new ArrayList<>();
        for (BitSet s : sets) {
            if (s.isEmpty()) continue;
            BitSet acc = (BitSet) s.clone();
            boolean changed = true;
            while (changed) {
                changed = false;
                for (int i = out.size() - 1; i >= 0; i--) {
                    if (out.get(i).intersects(acc)) {
                        acc.or(out.remove(i));
                        changed = true;
                    }
                }
            }
            out.add(acc);
        }
        return out;
    }

    private static List<BitSet> withDefaultDomain(List<BitSet> doms, BitSet online) {
        List<BitSet> out = new ArrayList<>(doms);
        BitSet rest = (BitSet) online.clone();
        for (BitSet d : doms) rest.andNot(d);
        if (!rest.isEmpty()) out.add(rest);
        out.removeIf(BitSet::isEmpty);
        out.sort((a, b) -> Integer.compare(a.nextSetBit(0), b.nextSetBit(0)));
        return List.copyOf(out);
    }
}
