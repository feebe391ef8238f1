package io.vmqos.linux;

import io.vmqos.core.CpuList;
import io.vmqos.linux.PartitionChange.Step;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Per-CPU root domains on cgroup v2, where a cgroup becomes a scheduling (root) domain by writing {@code root} to
 * {@code cpuset.cpus.partition}.
 *
 * <p>Layout (the only one found that lets single threads of several processes share a CPU's partition):
 * <pre>
 * /                    root partition: keeps the host's CPUs (online \ P), at least one (the kernel requires it)
 * └── vmqos            domain cgroup holding the processes whose threads get pinned ({@link #adopt}); a partition
 *     │                "member" with cpuset.cpus.exclusive = P; becomes "domain threaded" with its first child
 *     ├── vmqos-cpu1   cgroup.type threaded; cpuset.cpus = cpuset.cpus.exclusive = 1; cpuset.cpus.partition = root
 *     └── vmqos-cpu2   ... each a <em>remote</em> partition (its parent is no partition root)
 * </pre>
 * Why: {@code cgroup.threads} moves one thread only within its process's threaded domain, so the per-CPU cgroups must
 * be threaded children of the cgroup the process lives in, and all processes whose threads share CPU N must live in
 * the same domain. A local partition needs a partition-root parent, which would take CPUs away from the root for
 * {@code /vmqos}'s own threads; a remote partition needs instead every non-root ancestor's
 * {@code cpuset.cpus.exclusive} to hold its CPUs (Linux 6.7 or later, CAP_SYS_ADMIN).
 *
 * <p>Steps: {@code +cpuset} in the root's {@code cgroup.subtree_control} (if not on), {@code mkdir /vmqos} (if absent),
 * its {@code cpuset.cpus.exclusive} += P and {@code +cpuset} in its subtree_control, then per CPU: mkdir, threaded,
 * CPUs, exclusive CPUs, {@code partition = root}; {@link #verify} reads back {@code root} (the kernel writes
 * {@code root invalid (reason)} otherwise). Undo: each partition back to {@code member}, its threads to
 * {@code /vmqos}, rmdir; then {@code /vmqos}'s values back and, if this change made it, its processes to {@code /}
 * and rmdir; then the root's subtree_control.
 *
 * <p>Limits: a process must first be moved as a whole into {@code /vmqos} ({@link #adopt}), out of the cgroup its
 * service manager gave it (a libvirt/systemd QEMU in {@code machine.slice/machine-qemu-N.scope} loses that scope's
 * memory/io limits and libvirt's own per-vCPU threaded cgroups; undo returns adopted processes to {@code /}, not to
 * where they came from). Per-VM remote partitions inside each VM's scope would avoid that, but then one CPU could
 * host threads of one VM only, and every ancestor slice would need {@code cpuset.cpus.exclusive}. systemd may take
 * {@code cpuset} out of the root's subtree_control on reload when no unit asks for it (give a unit
 * {@code AllowedCPUs=} or {@code Delegate=}). isolcpus CPUs can only go to "isolated" partitions: refused. Not run on
 * a real kernel by this project's tests (its machines have cpuset on v1): the sequence is tested on a fake cgroupfs.
 */
public final class CpusetV2Partitions extends CgroupPartitions {
    /** The domain cgroup under the root that holds the pinned processes and the per-CPU partitions. */
    public static final String PARENT = "/vmqos";
    static final String PARTITION = CpusetV2Rebuilder.PARTITION;
    static final String SUBTREE = "cgroup.subtree_control";
    static final String EXCLUSIVE = "cpuset.cpus.exclusive";
    static final String TYPE = "cgroup.type";
    /** Controllers that may be enabled in a threaded subtree (kernel: cgroup_subsys.threaded). */
    private static final Set<String> THREADED_CONTROLLERS = Set.of("cpuset", "cpu", "perf_event", "pids");

    /** The host's {@code /proc}, {@code /sys/devices/system/cpu} and live DEADLINE load. */
    public CpusetV2Partitions(CpusetHierarchy hierarchy) {
        this(hierarchy, new ProcFs(), SYS_CPU, DeadlineLoad.live(new LinuxThreadScheduler()));
    }

    /**
     * @param cpuDir the directory with {@code online} and {@code isolated} (tests point both elsewhere)
     * @param load predicts the DEADLINE bandwidth of the domains a split would make
     */
    public CpusetV2Partitions(CpusetHierarchy hierarchy, ProcFs proc, Path cpuDir, DeadlineLoad load) {
        super(hierarchy, proc, cpuDir, load, 2);
    }

    @Override
    public PartitionChange plan(BitSet cpus) {
        List<Integer> asked = checkedCpus(cpus);
        Map<String, BitSet> existing = list();
        BitSet todo = new BitSet();
        for (int cpu : asked) if (!alreadyPartitioned(cpu, existing)) todo.set(cpu);
        List<Step> steps = new ArrayList<>();
        if (!todo.isEmpty()) {
            Path root = hierarchy.root();
            BitSet host = CpuList.parse(read(root.resolve("cpuset.cpus.effective")));
            for (int cpu = todo.nextSetBit(0); cpu >= 0; cpu = todo.nextSetBit(cpu + 1)) {
                if (!host.get(cpu)) {
                    throw new PartitionException("cpus", "CPU " + cpu + " is not among the root partition's CPUs " + CpuList.format(host)
                            + " (another partition holds it); fix: choose CPUs of the root partition, or free CPU " + cpu + " first");
                }
            }
            BitSet rest = (BitSet) host.clone();
            rest.andNot(todo);
            if (rest.isEmpty()) {
                throw new PartitionException("cpus", "partitioning CPUs " + CpuList.format(todo) + " would leave the root cgroup no CPU, "
                        + "but its tasks need one (the kernel refuses to give a populated root partition's last CPU away); fix: leave at "
                        + "least one CPU of " + CpuList.format(host) + " out");
            }
            checkSiblings(todo);
            refuseOvercommit(todo, rest);
            planSteps(steps, todo);
        }
        return new PartitionChange(2, hierarchy.root().toString(), asked, steps);
    }

    private void planSteps(List<Step> steps, BitSet todo) {
        Path root = hierarchy.root();
        if (!holds(root.resolve(SUBTREE), "+cpuset")) steps.add(Step.change("/" + SUBTREE, "+cpuset", "-cpuset"));
        Path parent = resolve(PARENT, "cpuset");
        boolean created = !fs.exists(parent);
        if (created) {
            steps.add(Step.mkdir(PARENT, "/"));
            steps.add(Step.write(child(PARENT, EXCLUSIVE), CpuList.format(todo)));
            steps.add(Step.write(child(PARENT, SUBTREE), "+cpuset"));
        } else {
            checkParent(parent);
            String before = fs.exists(parent.resolve(EXCLUSIVE)) ? read(parent.resolve(EXCLUSIVE)) : "";
            BitSet exclusive = CpuList.parse(before);
            exclusive.or(todo);
            steps.add(Step.change(child(PARENT, EXCLUSIVE), CpuList.format(exclusive), before));
            if (!holds(parent.resolve(SUBTREE), "+cpuset")) steps.add(Step.change(child(PARENT, SUBTREE), "+cpuset", "-cpuset"));
        }
        for (int cpu = todo.nextSetBit(0); cpu >= 0; cpu = todo.nextSetBit(cpu + 1)) {
            String p = child(PARENT, CpuPartitions.nameOf(cpu));
            steps.add(Step.mkdir(p, PARENT));
            steps.add(Step.write(child(p, TYPE), "threaded"));
            steps.add(Step.write(child(p, "cpuset.cpus"), Integer.toString(cpu)));
            steps.add(Step.write(child(p, EXCLUSIVE), Integer.toString(cpu)));
            steps.add(Step.change(child(p, PARTITION), "root", "member")); // undone before the rmdir: CPUs back to the root first
        }
    }

    /** True when {@code /vmqos/vmqos-cpuN} is a valid partition of {N}; refuses a cgroup of that name that is not. */
    private boolean alreadyPartitioned(int cpu, Map<String, BitSet> existing) {
        String path = child(PARENT, CpuPartitions.nameOf(cpu));
        List<String> elsewhere = existing.keySet().stream().filter(p -> p.endsWith("/" + CpuPartitions.nameOf(cpu)) && !p.equals(path)).toList();
        Path dir = resolve(path, "cpus");
        if (!elsewhere.isEmpty() || fs.exists(dir)) {
            String state = fs.exists(dir.resolve(PARTITION)) ? read(dir.resolve(PARTITION)) : "(no cpuset files)";
            if (elsewhere.isEmpty() && state.equals("root") && only(cpu).equals(existing.get(path))) return true;
            throw new PartitionException("cpus", "cgroup " + (elsewhere.isEmpty() ? path : String.join(", ", elsewhere)) + " exists but is "
                    + "not a valid partition of CPU " + cpu + " (cpuset.cpus.partition: " + state + "); it may be someone else's or left "
                    + "by an interrupted vmqos run; fix: undo the recorded vmqos change, or move its threads out and rmdir it");
        }
        return false;
    }

    /** Refuses when a sibling of /vmqos has claimed a CPU to partition as exclusive (the exclusivity rule). */
    private void checkSiblings(BitSet todo) {
        try {
            for (Path c : fs.children(hierarchy.root())) {
                Path excl = c.resolve(EXCLUSIVE);
                if (c.equals(resolve(PARENT, "cpuset")) || !fs.exists(excl)) continue;
                BitSet theirs = CpuList.parse(read(excl));
                if (theirs.intersects(todo)) {
                    throw new PartitionException("cpus", "cgroup /" + c.getFileName() + " claims CPUs " + CpuList.format(theirs)
                            + " in cpuset.cpus.exclusive, and an exclusive CPU can go to one child of the root only; fix: remove the "
                            + "CPUs from its cpuset.cpus.exclusive, or partition other CPUs");
                }
            }
        } catch (IOException e) {
            throw new PartitionException("cpuset", "cannot list the cgroups under " + hierarchy.root() + ": " + reason(e), e);
        }
    }

    /** An existing /vmqos must be a domain that may get threaded children: no domain controller in its subtree_control. */
    private void checkParent(Path parent) {
        String type = fs.exists(parent.resolve(TYPE)) ? read(parent.resolve(TYPE)) : "domain";
        if (!type.equals("domain") && !type.equals("domain threaded")) {
            throw new PartitionException("cpuset", "cgroup " + PARENT + " is '" + type + "', but the partitions need it to be a domain "
                    + "(the threaded domain of the processes whose threads are pinned); fix: remove it (it is not vmqos's) or rename it");
        }
        for (String ctl : read(parent.resolve(SUBTREE)).split("\\s+")) {
            if (!ctl.isEmpty() && !THREADED_CONTROLLERS.contains(ctl)) {
                throw new PartitionException("cpuset", "cgroup " + PARENT + " enables the domain controller '" + ctl + "' for its children, "
                        + "so it cannot get threaded children; fix: echo -" + ctl + " > " + parent.resolve(SUBTREE));
            }
        }
    }

    @Override
    void verify(PartitionChange change) {
        for (int cpu : change.cpus()) {
            Path dir = resolve(child(PARENT, CpuPartitions.nameOf(cpu)), "cpus");
            String state = read(dir.resolve(PARTITION));
            BitSet eff = CpuList.parse(read(dir.resolve("cpuset.cpus.effective")));
            if (!state.equals("root") || !eff.equals(only(cpu))) {
                throw new PartitionException("cpus", "the kernel did not make CPU " + cpu + " a partition of its own: "
                        + dir.resolve(PARTITION) + " reads '" + state + "', effective CPUs " + CpuList.format(eff)
                        + " (remote partitions need Linux 6.7+ and CAP_SYS_ADMIN)");
            }
        }
    }

    /**
     * Moves process {@code pid}, all its threads, into {@code /vmqos}, where its single threads can then be moved into
     * the partitions. Out of its current cgroup (whose limits then no longer apply to it); undoing a change that made
     * {@code /vmqos} puts it in {@code /}. Idempotent. Any thread.
     *
     * @throws PartitionException when {@code /vmqos} does not exist (partition first) or the kernel refuses
     */
    public void adopt(int pid) {
        Path parent = existingParent();
        if (proc.cgroupV2(pid).map(p -> p.equals(PARENT)).orElse(false)) return;
        try {
            fs.write(parent.resolve("cgroup.procs"), Integer.toString(pid));
        } catch (IOException e) {
            if (!proc.exists(pid)) throw new PartitionException("tid", "process " + pid + " does not exist (it exited)", e);
            throw new PartitionException("tid", "the kernel refused to move process " + pid + " into " + PARENT + ": " + reason(e), e);
        }
    }

    private Path existingParent() {
        Path parent = resolve(PARENT, "cpuset");
        if (!fs.exists(parent)) {
            throw new PartitionException("cpuset", "cgroup " + PARENT + " does not exist; fix: partition CPUs first");
        }
        return parent;
    }

    @Override
    String taskFile(Path dir) {
        Path type = dir.resolve(TYPE);
        return fs.exists(type) && read(type).equals("threaded") ? "cgroup.threads" : "cgroup.procs";
    }

    /** The effective CPUs of {@code dir}, or of its nearest ancestor with the cpuset controller enabled. */
    @Override
    BitSet effectiveCpus(Path dir) {
        Path d = dir;
        while (!fs.exists(d.resolve("cpuset.cpus.effective")) && !d.equals(hierarchy.root())) d = d.getParent();
        return CpuList.parse(read(d.resolve("cpuset.cpus.effective")));
    }

    @Override
    void attach(int tid, String path, Path dir) {
        String domain = threadedDomain(path);
        String now = proc.cgroupV2(tid).orElse("?");
        if (!now.startsWith("/") || !threadedDomain(now).equals(domain)) {
            throw new PartitionException("tid", "thread " + tid + " lives in cgroup " + now + ", outside " + domain + ", and cgroup v2 moves a "
                    + "single thread only within its process's threaded domain; fix: move its process into " + domain + " first (adopt(pid), "
                    + "i.e. echo PID > " + resolve(domain, "path").resolve("cgroup.procs") + "), which takes it out of its current cgroup");
        }
        try {
            fs.write(dir.resolve("cgroup.threads"), Integer.toString(tid)); // never cgroup.procs: that would move the whole process
        } catch (IOException e) {
            if (!proc.exists(tid)) throw new PartitionException("tid", "thread " + tid + " does not exist (it exited)", e);
            throw new PartitionException("path", "the kernel refused to move thread " + tid + " into " + path + ": " + reason(e)
                    + " (Device or resource busy: DEADLINE admission in the destination is full)", e);
        }
    }

    /** The nearest ancestor-or-self of {@code path} that is not threaded: the domain whose threads may move inside it. */
    private String threadedDomain(String path) {
        String p = path;
        while (!p.equals("/") && taskFile(resolve(p, "path")).equals("cgroup.threads")) p = p.substring(0, Math.max(1, p.lastIndexOf('/')));
        return p;
    }
}
