package io.vmqos.linux;

import io.vmqos.core.CpuList;
import io.vmqos.linux.PartitionChange.Step;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.List;
import java.util.Map;
import java.util.StringJoiner;

/**
 * Per-CPU root domains on a cgroup v1 cpuset hierarchy.
 *
 * <p>The kernel (v1) builds one root domain per topmost cpuset with {@code cpuset.sched_load_balance = 1}. To split
 * the root domain D formed by cpuset C (the root cpuset when it balances) so that each CPU N of P is its own domain:
 * <ol>
 *   <li>for each N: {@code mkdir C/vmqos-cpuN}; {@code cpuset.mems} = C's, {@code cpuset.cpus} = N,
 *       {@code cpuset.cpu_exclusive} = 1 (no sibling may then take N), {@code cpuset.sched_load_balance} = 1;</li>
 *   <li>{@code mkdir C/vmqos-rest} with {@code cpuset.cpus} = D \ P, load balanced: the host's other CPUs stay one
 *       balanced domain;</li>
 *   <li>{@code C/cpuset.sched_load_balance} = 0: the kernel rebuilds the domains from the topmost balanced cpusets,
 *       {N} each and D \ P, and recounts every domain's DEADLINE ledger (fair servers per CPU, live DEADLINE tasks
 *       by the CPU they are on).</li>
 * </ol>
 * Undo runs it backwards: C's flag back to 1 (one domain again, ledger recounted), then each created cpuset's tasks
 * moved back to C and the cpuset removed. Host tasks stay in C: they may run anywhere but are no longer load
 * balanced across the split (a task stays in the domain it is in until it is woken elsewhere or moved).
 *
 * <p>Refused: a split after which a new domain would hold more DEADLINE bandwidth than its cap ({@link DeadlineLoad}:
 * the kernel accepts it), all of D (the host keeps at least one balanced CPU; on a 2-CPU host one CPU can be partitioned),
 * CPUs of two root domains in one call, a CPU of a root domain vmqos made ({@code vmqos-rest}: undo first and
 * partition all CPUs in one call), a sibling cpuset of C holding a CPU of P (the exclusive flag would fail), a
 * {@code vmqos-*} name already present that is not a valid vmqos partition.
 *
 * <p>A DEADLINE ledger repair while partitioned ({@link CpusetV1Rebuilder}) flips the first balanced child,
 * {@code vmqos-cpuN}, which rebuilds every domain without merging them. Thread-safety: see {@link CpuPartitions}.
 */
public final class CpusetV1Partitions extends CgroupPartitions {
    /** The cpuset that keeps the host's remaining CPUs of the split domain in one balanced domain. */
    public static final String REST = "vmqos-rest";
    static final String LOAD_BALANCE = CpusetV1Rebuilder.LOAD_BALANCE;
    static final String CPUS = "cpuset.cpus";
    static final String EXCLUSIVE = "cpuset.cpu_exclusive";

    /** The host's {@code /proc}, {@code /sys/devices/system/cpu} and live DEADLINE load. */
    public CpusetV1Partitions(CpusetHierarchy hierarchy) {
        this(hierarchy, new ProcFs(), SYS_CPU, DeadlineLoad.live(new LinuxThreadScheduler()));
    }

    /**
     * @param cpuDir the directory with {@code online} and {@code isolated} (tests point both elsewhere)
     * @param load predicts the DEADLINE bandwidth of the domains a split would make
     */
    public CpusetV1Partitions(CpusetHierarchy hierarchy, ProcFs proc, Path cpuDir, DeadlineLoad load) {
        super(hierarchy, proc, cpuDir, load, 1);
    }

    @Override
    public PartitionChange plan(BitSet cpus) {
        List<Integer> asked = checkedCpus(cpus);
        BitSet online = online(), isolated = isolated();
        CpusetNode tree = hierarchy.readTree();
        List<BitSet> domains = RootDomains.v1(tree, online, isolated);
        Map<String, BitSet> existing = list();
        BitSet todo = new BitSet();
        for (int cpu : asked) if (!alreadyPartitioned(cpu, existing, domains)) todo.set(cpu);
        List<Step> steps = new ArrayList<>();
        if (!todo.isEmpty()) {
            BitSet domain = domainOf(todo, domains);
            CpusetNode c = formingCpuset(tree, domain, online, isolated);
            String cPath = "/" + c.path();
            BitSet rest = (BitSet) domain.clone();
            rest.andNot(todo);
            if (rest.isEmpty()) {
                throw new PartitionException("cpus", "partitioning CPUs " + CpuList.format(todo) + " would take every CPU of root domain "
                        + CpuList.format(domain) + ", leaving the host's tasks no load-balanced CPU; fix: leave at least one CPU of "
                        + CpuList.format(domain) + " out");
            }
            checkNothingInTheWay(c, cPath, todo);
            refuseOvercommit(todo, rest);
            Path cDir = resolve(cPath, "cpus");
            String mems = read(cDir.resolve("cpuset.mems"));
            for (int cpu = todo.nextSetBit(0); cpu >= 0; cpu = todo.nextSetBit(cpu + 1)) {
                addCpuset(steps, child(cPath, CpuPartitions.nameOf(cpu)), cPath, mems, Integer.toString(cpu), true);
            }
            addCpuset(steps, child(cPath, REST), cPath, mems, CpuList.format(rest), false);
            steps.add(Step.change(child(cPath, LOAD_BALANCE), "0", read(cDir.resolve(LOAD_BALANCE))));
        }
        return new PartitionChange(1, hierarchy.root().toString(), asked, steps);
    }

    private static void addCpuset(List<Step> steps, String path, String parent, String mems, String cpus, boolean exclusive) {
        steps.add(Step.mkdir(path, parent));
        steps.add(Step.write(child(path, "cpuset.mems"), mems));
        steps.add(Step.write(child(path, CPUS), cpus));
        if (exclusive) steps.add(Step.write(child(path, EXCLUSIVE), "1"));
        steps.add(Step.write(child(path, LOAD_BALANCE), "1"));
    }

    /** True when a valid {@code vmqos-cpuN} makes {cpu} a root domain now; refuses a cpuset of that name that does not. */
    private boolean alreadyPartitioned(int cpu, Map<String, BitSet> existing, List<BitSet> domains) {
        String name = "/" + CpuPartitions.nameOf(cpu);
        List<String> found = existing.keySet().stream().filter(p -> p.endsWith(name)).toList();
        if (found.isEmpty()) return false;
        BitSet alone = only(cpu);
        String path = found.getFirst();
        Path dir = resolve(path, "cpus");
        boolean valid = found.size() == 1 && existing.get(path).equals(alone) && domains.contains(alone)
                && holds(dir.resolve(EXCLUSIVE), "1") && holds(dir.resolve(LOAD_BALANCE), "1");
        if (!valid) {
            throw new PartitionException("cpus", "cpuset " + String.join(", ", found) + " exists but does not make CPU " + cpu
                    + " a root domain of its own (CPUs " + CpuList.format(existing.get(path)) + ", root domains " + describe(domains)
                    + "); it may be someone else's or left by an interrupted vmqos run; fix: undo the recorded vmqos change, or move "
                    + "its tasks out and rmdir it");
        }
        return true;
    }

    private static BitSet domainOf(BitSet cpus, List<BitSet> domains) {
        int first = cpus.nextSetBit(0);
        for (BitSet d : domains) {
            if (!d.get(first)) continue;
            BitSet outside = (BitSet) cpus.clone();
            outside.andNot(d);
            if (!outside.isEmpty()) {
                throw new PartitionException("cpus", "CPUs " + CpuList.format(cpus) + " are in different root domains (" + describe(domains)
                        + "); fix: partition the CPUs of one root domain per call");
            }
            return d;
        }
        throw new PartitionException("cpus", "CPU " + first + " is in no root domain (" + describe(domains) + ")");
    }

    /** The one balanced cpuset whose CPUs are exactly {@code domain}. */
    private CpusetNode formingCpuset(CpusetNode tree, BitSet domain, BitSet online, BitSet isolated) {
        List<CpusetNode> formers = new ArrayList<>();
        for (CpusetNode cs : RootDomains.v1DomainCpusets(tree, online, isolated)) {
            if (RootDomains.housekeeping(cs.effectiveCpus(), online, isolated).intersects(domain)) formers.add(cs);
        }
        if (formers.isEmpty()) {
            throw new PartitionException("cpuset", "root domain " + CpuList.format(domain) + " is the kernel's default domain: no "
                    + "load-balanced cpuset covers it (the root cpuset has sched_load_balance 0); fix: set "
                    + "cpuset.sched_load_balance to 1 on the root cpuset, or on a cpuset holding these CPUs");
        }
        if (formers.size() > 1 || !RootDomains.housekeeping(formers.getFirst().effectiveCpus(), online, isolated).equals(domain)) {
            StringJoiner names = new StringJoiner(", ");
            for (CpusetNode f : formers) names.add("/" + f.path());
            throw new PartitionException("cpuset", "root domain " + CpuList.format(domain) + " is formed by the overlapping load-balanced "
                    + "cpusets " + names + ", so no single cpuset can be split; fix: make one of them hold all of these CPUs");
        }
        CpusetNode c = formers.getFirst();
        String name = c.path().substring(c.path().lastIndexOf('/') + 1);
        if (name.startsWith("vmqos-")) {
            throw new PartitionException("cpus", "CPUs " + CpuList.format(domain) + " are the host CPUs vmqos kept together in /" + c.path()
                    + " when it partitioned other CPUs; fix: undo that change and partition all CPUs in one call");
        }
        return c;
    }

    /** Refuses when a child of C holds a CPU to partition, or a vmqos name under C is taken. */
    private void checkNothingInTheWay(CpusetNode c, String cPath, BitSet todo) {
        for (CpusetNode child : c.children()) {
            String name = child.path().substring(child.path().lastIndexOf('/') + 1);
            if (name.startsWith("vmqos-")) {
                throw new PartitionException("cpuset", "cpuset /" + child.path() + " already exists although " + cPath + " still balances "
                        + "load, so it is not a working vmqos partition (left by an interrupted vmqos run, or someone else's); fix: undo "
                        + "the recorded vmqos change, or move its tasks to " + cPath + " and rmdir it");
            }
            if (child.effectiveCpus().intersects(todo)) {
                BitSet both = (BitSet) child.effectiveCpus().clone();
                both.and(todo);
                throw new PartitionException("cpus", "cpuset /" + child.path() + " holds CPUs " + CpuList.format(both) + " (its cpuset.cpus: "
                        + CpuList.format(child.effectiveCpus()) + "), so they cannot become exclusive root domains; fix: remove them from "
                        + "its cpuset.cpus, or partition other CPUs");
            }
        }
    }

    @Override
    void verify(PartitionChange change) {
        List<BitSet> domains = hierarchy.rootDomains(online(), isolated());
        for (int cpu : change.cpus()) {
            if (!domains.contains(only(cpu))) {
                throw new PartitionException("cpus", "the kernel did not make CPU " + cpu + " a root domain of its own: root domains now "
                        + describe(domains) + " (did another program change " + LOAD_BALANCE + " meanwhile?)");
            }
        }
    }

    @Override
    String taskFile(Path dir) { return "tasks"; }

    @Override
    BitSet effectiveCpus(Path dir) { return CpuList.parse(read(dir.resolve("cpuset.effective_cpus"))); }

    @Override
    void attach(int tid, String path, Path dir) {
        try {
            fs.write(dir.resolve("tasks"), Integer.toString(tid));
        } catch (java.io.IOException e) {
            if (!proc.exists(tid)) throw new PartitionException("tid", "thread " + tid + " does not exist (it exited)", e);
            throw new PartitionException("path", "the kernel refused to move thread " + tid + " into " + path + ": " + reason(e)
                    + " (Device or resource busy: DEADLINE admission in the destination is full; No space left on device: the cpuset "
                    + "has no CPUs or memory nodes)", e);
        }
    }

    static String describe(List<BitSet> domains) {
        StringJoiner j = new StringJoiner(" | ");
        for (BitSet d : domains) j.add(CpuList.format(d));
        return j.toString();
    }
}
