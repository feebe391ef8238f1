package io.vmqos.linux;

import io.vmqos.core.CpuList;
import io.vmqos.linux.PartitionChange.Step;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.Collections;
import java.util.Deque;
import java.util.List;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.regex.Pattern;

/**
 * What the cgroup v1 and v2 partitions share: the idempotent step engine ({@link #apply}, {@link #undo}), moving
 * tasks out of cgroups before removing them, the partition listing and the DEADLINE rule of {@link #move}. The
 * versions differ in the steps they plan, the files that hold tasks and CPUs, and how they check the result.
 */
abstract sealed class CgroupPartitions implements CpuPartitions permits CpusetV1Partitions, CpusetV2Partitions {
    /** Where {@code online} and {@code isolated} are. */
    static final Path SYS_CPU = Path.of("/sys/devices/system/cpu");
    private static final Pattern PARTITION_NAME = Pattern.compile(Pattern.quote(PREFIX) + "\\d+");
    private static final int RMDIR_ATTEMPTS = 5;
    /** SCHED_DEADLINE in include/uapi/linux/sched.h, as field 41 of /proc/TID/stat shows it. */
    private static final int SCHED_DEADLINE = 6;

    final CpusetHierarchy hierarchy;
    final CgroupFs fs;
    final ProcFs proc;
    private final Path cpuDir;
    private final DeadlineLoad load;

    CgroupPartitions(CpusetHierarchy hierarchy, ProcFs proc, Path cpuDir, DeadlineLoad load, int version) {
        if (hierarchy.version() != version) {
            throw new IllegalArgumentException(getClass().getSimpleName() + " needs a cgroup v" + version + " hierarchy, not " + hierarchy);
        }
        this.hierarchy = hierarchy;
        this.fs = hierarchy.fs();
        this.proc = proc;
        this.cpuDir = cpuDir;
        this.load = load;
    }

    /** The file of {@code dir} listing its tasks, one id a line, that accepts one id per write. */
    abstract String taskFile(Path dir);

    /** The CPUs tasks in {@code dir} may use now. */
    abstract BitSet effectiveCpus(Path dir);

    /** Checks, after the steps, that the kernel made every CPU of the change its own root domain. */
    abstract void verify(PartitionChange change);

    /** Writes the thread into {@code dir}; called with the checks done. */
    abstract void attach(int tid, String path, Path dir);

    @Override
    public SortedMap<String, BitSet> list() {
        SortedMap<String, BitSet> out = new TreeMap<>();
        Deque<CpusetNode> todo = new ArrayDeque<>(List.of(hierarchy.readTree()));
        while (!todo.isEmpty()) {
            CpusetNode n = todo.pop();
            String name = n.path().substring(n.path().lastIndexOf('/') + 1);
            if (PARTITION_NAME.matcher(name).matches()) out.put("/" + n.path(), (BitSet) n.effectiveCpus().clone());
            todo.addAll(n.children());
        }
        return Collections.unmodifiableSortedMap(out);
    }

    @Override
    public final void apply(PartitionChange change) {
        check(change);
        synchronized (CpusetHierarchy.TREE_LOCK) {
            try {
                for (Step s : change.steps()) doStep(s);
                verify(change);
            } catch (RuntimeException e) {
                List<String> left = undoSteps(change);
                String field = e instanceof PartitionException p ? p.field() : "cpuset";
                throw new PartitionException(field, e.getMessage() + (left.isEmpty()
                        ? "; everything this change had applied was undone"
                        : "; could not undo: " + String.join("; ", left) + " (undo the change again once the cause is fixed)"), e);
            }
        }
    }

    @Override
    public final void undo(PartitionChange change) {
        check(change);
        synchronized (CpusetHierarchy.TREE_LOCK) {
            List<String> left = undoSteps(change);
            if (!left.isEmpty()) {
                throw new PartitionException("change", "could not undo all of the partition change: " + String.join("; ", left)
                        + "; the rest was undone; fix the cause and call undo again (it skips what is already back)");
            }
        }
    }

    @Override
    public String cpusetOf(int tid) {
        return proc.cpuset(tid).orElseThrow(() -> new PartitionException("tid", "thread " + tid
                + " does not exist (it exited or the id is wrong): no /proc/" + tid + "/cpuset; list live threads with ls /proc/PID/task"));
    }

    @Override
    public final void move(int tid, String path) {
        Path dir = existing(path);
        String from = cpusetOf(tid);
        if (from.equals(path)) return;
        refuseLosingDeadlineBandwidth(tid, from, path, dir);
        attach(tid, path, dir);
    }

    @Override
    public boolean arrived(int tid, String path) {
        BitSet cpus = effectiveCpus(existing(path));
        ProcStat st = proc.stat(tid).orElseThrow(() -> new PartitionException("tid", "thread " + tid + " does not exist (it exited or the id is wrong)"));
        return cpus.get(st.processor());
    }

    private Path existing(String path) {
        Path dir = resolve(path, "path");
        if (!fs.exists(dir.resolve(taskFile(dir)))) {
            throw new PartitionException("path", "cpuset " + path + " does not exist in " + hierarchy.root()
                    + "; fix: name an existing cpuset, e.g. one that list() shows, or partition the CPU first");
        }
        return dir;
    }

    /**
     * The kernel's rule (cpuset_can_attach reserves bandwidth in the destination only when the source and destination
     * cpusets share no CPU; set_cpus_allowed_dl releases it from the source root domain only when that domain shares
     * no CPU with the new affinity) keeps its ledger right only when both happen or neither does.
     */
    private void refuseLosingDeadlineBandwidth(int tid, String from, String to, Path dir) {
        ProcStat st = proc.stat(tid).orElse(null);
        if (st == null || st.policy() != SCHED_DEADLINE) return;
        BitSet source = effectiveCpus(resolve(from, "tid"));
        BitSet dest = effectiveCpus(dir);
        BitSet domain = domainOf(st.processor());
        boolean reserves = !source.intersects(dest);
        boolean releases = !domain.intersects(dest);
        if (reserves == releases) return;
        throw new PartitionException("tid", "thread " + tid + " is SCHED_DEADLINE and runs on CPU " + st.processor() + " (root domain "
                + CpuList.format(domain) + "); moving it from " + from + " (CPUs " + CpuList.format(source) + ") to " + to + " (CPUs "
                + CpuList.format(dest) + ") would make the kernel " + (releases ? "release its bandwidth without reserving it in the new root "
                + "domain (admission control would then over-admit)" : "reserve its bandwidth twice") + "; fix: switch it to SCHED_OTHER, "
                + "move it, then set SCHED_DEADLINE again");
    }

    private BitSet domainOf(int cpu) {
        for (BitSet d : hierarchy.rootDomains(online(), isolated())) if (d.get(cpu)) return d;
        return new BitSet();
    }

    BitSet online() { return CpuFiles.read(cpuDir.resolve("online"), true); }

    BitSet isolated() { return CpuFiles.read(cpuDir.resolve("isolated"), false); }

    /**
     * The CPUs of {@code cpus} as a list, refusing an empty set and CPUs that are offline or isolated (isolcpus
     * CPUs belong to no scheduling domain, so no cpuset can make them a root domain of their own).
     */
    List<Integer> checkedCpus(BitSet cpus) {
        if (cpus.isEmpty()) throw new PartitionException("cpus", "no CPU given; fix: name the CPUs that get a root domain each, e.g. 1");
        BitSet online = online(), isolated = isolated();
        List<Integer> out = new ArrayList<>();
        for (int c = cpus.nextSetBit(0); c >= 0; c = cpus.nextSetBit(c + 1)) {
            if (!online.get(c)) {
                throw new PartitionException("cpus", "CPU " + c + " is offline or does not exist (online: " + CpuList.format(online)
                        + "); fix: choose online CPUs, or bring it online with echo 1 > " + cpuDir.resolve("cpu" + c + "/online"));
            }
            if (isolated.get(c)) {
                throw new PartitionException("cpus", "CPU " + c + " is isolated (isolcpus: " + CpuList.format(isolated) + ") and belongs "
                        + "to no scheduling domain, so no cpuset can make it a root domain; fix: choose a CPU outside isolcpus");
            }
            out.add(c);
        }
        return out;
    }

    /**
     * Refuses a split into {N} for each N of {@code todo} and {@code rest} after which one of these domains would hold
     * more DEADLINE bandwidth than its cap (the kernel accepts it silently, see {@link DeadlineLoad}).
     */
    void refuseOvercommit(BitSet todo, BitSet rest) {
        List<BitSet> newDomains = new ArrayList<>();
        for (int cpu = todo.nextSetBit(0); cpu >= 0; cpu = todo.nextSetBit(cpu + 1)) newDomains.add(only(cpu));
        newDomains.add(rest);
        for (BitSet d : newDomains) {
            load.overcommit(d).ifPresent(why -> {
                throw new PartitionException("cpus", "splitting would overcommit: " + why + "; the kernel would accept the split and "
                        + "those DEADLINE threads could then miss deadlines; fix: switch DEADLINE threads away from these CPUs first "
                        + "(or end them), or partition other CPUs");
            });
        }
    }

    /** The absolute path of a cgroup path such as {@code /vmqos-cpu1}; refuses anything that leaves the hierarchy. */
    Path resolve(String path, String field) {
        if (path == null || !path.startsWith("/") || path.contains("/../") || path.endsWith("/..") || path.contains("/./")) {
            throw new PartitionException(field, "'" + path + "' is not a cgroup path like / or /" + CpuPartitions.nameOf(1)
                    + " (relative to " + hierarchy.root() + ")");
        }
        return path.equals("/") ? hierarchy.root() : hierarchy.root().resolve(path.substring(1));
    }

    /** The set of one CPU. */
    static BitSet only(int cpu) {
        BitSet b = new BitSet();
        b.set(cpu);
        return b;
    }

    /** {@code parent + "/" + name} as a cgroup path. */
    static String child(String parent, String name) { return parent.equals("/") ? "/" + name : parent + "/" + name; }

    String read(Path file) {
        try {
            return fs.read(file);
        } catch (IOException e) {
            throw new PartitionException(rel(file), "cannot read " + file + ": " + reason(e) + "; fix: run as root", e);
        }
    }

    void write(Path file, String value) {
        try {
            fs.write(file, value);
        } catch (IOException e) {
            throw new PartitionException(rel(file), "the kernel refused " + value + " > " + file + ": " + reason(e), e);
        }
    }

    /** True when {@code file} already says {@code value}; {@code +name}/{@code -name} test membership in a list file. */
    boolean holds(Path file, String value) {
        String now;
        try {
            now = fs.read(file);
        } catch (IOException e) {
            return false;
        }
        if (value.startsWith("+") || value.startsWith("-")) {
            boolean listed = (" " + now + " ").contains(" " + value.substring(1) + " ");
            return listed == value.startsWith("+");
        }
        return now.equals(value);
    }

    private void check(PartitionChange change) {
        if (change.cgroupVersion() != hierarchy.version() || !Path.of(change.hierarchy()).equals(hierarchy.root())) {
            throw new PartitionException("change", "the change was made on the cgroup v" + change.cgroupVersion() + " hierarchy at "
                    + change.hierarchy() + ", but this is the cgroup v" + hierarchy.version() + " hierarchy at " + hierarchy.root()
                    + "; fix: apply or undo it with the CpuPartitions of that hierarchy");
        }
        for (Step s : change.steps()) {
            resolve(s.path(), "change");
            if (s.action().equals(Step.MKDIR)) {
                String name = s.path().substring(s.path().lastIndexOf('/') + 1);
                if (!name.startsWith("vmqos")) {
                    throw new PartitionException("change", "the change creates and removes " + s.path() + ", which is not a vmqos cgroup; "
                            + "it was not made by vmqos: fix: undo by hand");
                }
                resolve(s.undoValue(), "change");
            } else if (!s.action().equals(Step.WRITE)) {
                throw new PartitionException("change", "unknown step '" + s.action() + "' in the change (known: mkdir, write)");
            }
        }
    }

    private void doStep(Step s) {
        Path p = resolve(s.path(), "change");
        if (s.action().equals(Step.MKDIR)) {
            if (fs.exists(p)) return;
            try {
                fs.mkdir(p);
            } catch (IOException e) {
                throw new PartitionException(s.path(), "cannot create cgroup " + p + ": " + reason(e) + "; fix: run as root", e);
            }
        } else if (!holds(p, s.value())) {
            write(p, s.value());
        }
    }

    /** Undoes every step in reverse order, carrying on past failures; returns what could not be undone. */
    private List<String> undoSteps(PartitionChange change) {
        List<String> failures = new ArrayList<>();
        for (Step s : change.steps().reversed()) {
            try {
                Path p = resolve(s.path(), "change");
                if (s.action().equals(Step.MKDIR)) {
                    if (fs.exists(p)) remove(p, resolve(s.undoValue(), "change"));
                } else if (s.undo() && fs.exists(p) && !holds(p, s.undoValue())) {
                    write(p, s.undoValue());
                }
            } catch (PartitionException e) {
                failures.add(e.getMessage());
            }
        }
        return failures;
    }

    /** Moves the tasks out of {@code dir} into {@code fallback} and removes it; retries while tasks keep arriving (forks). */
    private void remove(Path dir, Path fallback) {
        for (int attempt = 1; ; attempt++) {
            evacuate(dir, fallback);
            try {
                fs.rmdir(dir);
                return;
            } catch (IOException e) {
                if (attempt == RMDIR_ATTEMPTS) {
                    throw new PartitionException(rel(dir), "cannot remove cgroup " + dir + ": " + reason(e) + "; fix: move its tasks out ("
                            + taskFile(dir) + ") and remove its child cgroups, then undo again", e);
                }
                pause();
            }
        }
    }

    private void evacuate(Path dir, Path fallback) {
        String file = taskFile(dir);
        for (String id : read(dir.resolve(file)).split("\\s+")) {
            if (id.isEmpty()) continue;
            try {
                fs.write(fallback.resolve(file), id);
            } catch (IOException e) {
                if (proc.exists(Integer.parseInt(id))) {
                    throw new PartitionException(rel(dir), "cannot move task " + id + " from " + dir + " back to " + fallback + ": " + reason(e), e);
                }
                // exited meanwhile
            }
        }
    }

    private String rel(Path p) {
        String r = hierarchy.root().relativize(p).toString();
        return "/" + r;
    }

    static String reason(IOException e) {
        String r = e instanceof java.nio.file.FileSystemException f && f.getReason() != null ? f.getReason() : e.getMessage();
        return r == null ? e.getClass().getSimpleName() : r;
    }

    private static void pause() {
        try {
            Thread.sleep(20);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
