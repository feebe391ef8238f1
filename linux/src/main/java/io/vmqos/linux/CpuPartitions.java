package io.vmqos.linux;

import java.util.BitSet;
import java.util.Map;
import java.util.Optional;
import java.util.SortedMap;

/**
 * Per-CPU root domains for partitioned EDF, made from exclusive cpusets, and moving threads into them.
 *
 * <p>Why: a SCHED_DEADLINE thread can only be pinned to CPUs that are its whole root domain ({@code sched_setattr}
 * refuses DEADLINE with EPERM unless the affinity covers the root domain; {@code sched_setaffinity} of a DEADLINE
 * thread to fewer CPUs fails with EBUSY). So a thread is pinned to CPU N by making N a root domain of its own (the
 * cpuset {@code vmqos-cpuN}) and moving the thread into it: <em>first</em> move it while it is SCHED_OTHER, then set
 * DEADLINE (its affinity then is exactly its root domain {N}).
 *
 * <p>Paths are cgroup paths relative to the hierarchy's mount point, as {@code /proc/TID/cpuset} prints them:
 * {@code /}, {@code /vmqos-cpu1} (cgroup v1), {@code /vmqos/vmqos-cpu1} (cgroup v2).
 *
 * <p>Threads: every method may be called from any thread. Read-only methods take no lock; {@link #apply},
 * {@link #partition} and {@link #undo} are serialized within this JVM with each other and with
 * {@link DeadlineLedger} repairs ({@link CpusetHierarchy#TREE_LOCK}), not against other processes changing the
 * cpuset tree. Implementations: {@link CpusetV1Partitions}, {@link CpusetV2Partitions} (tests elsewhere may fake it).
 */
public interface CpuPartitions {
    /** Name of the cpuset that is CPU N's root domain: {@code vmqos-cpu} + N. */
    String PREFIX = "vmqos-cpu";

    /** The partition cpuset's name for {@code cpu}, e.g. {@code vmqos-cpu1}. */
    static String nameOf(int cpu) { return PREFIX + cpu; }

    /**
     * The host's partitions, on its cpuset controller.
     *
     * @throws PartitionException (field {@code cpuset}) when no cpuset controller is mounted, naming the fix
     */
    static CpuPartitions host() { return of(CpusetHierarchy.locate()); }

    /** The host's partitions, or empty when no cpuset controller is mounted. */
    static Optional<CpuPartitions> available() { return CpusetHierarchy.locate().map(h -> of(Optional.of(h))); }

    /**
     * For a host without a cpuset controller: no partition exists, and asking for one is refused with the fix
     * (partitioned EDF needs exclusive cpusets). Threads are all in {@code /}.
     */
    static CpuPartitions none() {
        return new CpuPartitions() {
            private PartitionException refused() {
                return new PartitionException("cpuset", "no cpuset controller is mounted, so CPUs cannot be made root domains of their own "
                        + "for partitioned EDF; fix: mount -t cgroup -o cpuset cpuset /sys/fs/cgroup/cpuset, or set host.partitioned: false");
            }
            @Override public SortedMap<String, BitSet> list() { return new java.util.TreeMap<>(); }
            @Override public PartitionChange plan(BitSet cpus) { throw refused(); }
            @Override public void apply(PartitionChange change) { throw refused(); }
            @Override public void undo(PartitionChange change) { throw refused(); }
            @Override public String cpusetOf(int tid) { return "/"; }
            @Override public void move(int tid, String path) { if (!path.equals("/")) throw refused(); }
            @Override public boolean arrived(int tid, String path) { return path.equals("/"); }
        };
    }

    /**
     * The partitions of the located cpuset hierarchy, v1 or v2 ({@link CpusetHierarchy#locate(String, CgroupFs)}).
     *
     * @throws PartitionException (field {@code cpuset}) when none was found, naming the fix
     */
    static CpuPartitions of(Optional<CpusetHierarchy> located) {
        CpusetHierarchy h = located.orElseThrow(() -> new PartitionException("cpuset",
                "no cpuset controller is mounted (no cgroup v1 cpuset hierarchy, and no cgroup2 mount lists cpuset in "
                        + "cgroup.controllers), so CPUs cannot be made root domains; fix: mount -t cgroup -o cpuset cpuset "
                        + "/sys/fs/cgroup/cpuset (cgroup v1), or on cgroup v2 boot without cgroup_disable=cpuset and make sure "
                        + "no v1 hierarchy holds the cpuset controller"));
        return h.version() == 1 ? new CpusetV1Partitions(h) : new CpusetV2Partitions(h);
    }

    /**
     * The partitions that exist now, read from the cgroup tree: path → effective CPUs, only vmqos's own cpusets
     * (named {@code vmqos-cpuN}). Read-only; any thread.
     */
    SortedMap<String, BitSet> list();

    /** The path of CPU {@code cpu}'s partition if it exists now, e.g. {@code /vmqos-cpu1}. Read-only; any thread. */
    default Optional<String> partitionOf(int cpu) {
        String name = "/" + nameOf(cpu);
        for (Map.Entry<String, BitSet> e : list().entrySet()) {
            if (e.getKey().endsWith(name) && e.getValue().cardinality() == 1 && e.getValue().get(cpu)) return Optional.of(e.getKey());
        }
        return Optional.empty();
    }

    /**
     * Decides how to make every CPU of {@code cpus} its own root domain, without changing anything. CPUs that
     * already are vmqos partitions need no step; when all are, the change {@linkplain PartitionChange#changesNothing()
     * changes nothing}. Read-only; any thread.
     *
     * @throws PartitionException naming the field and the fix when the request cannot be met (offline or isolated
     *     CPU, CPUs of different root domains, no CPU left for the host, a cpuset in the way, a name taken)
     */
    PartitionChange plan(BitSet cpus);

    /**
     * Makes the tree what {@code change} describes. Idempotent: steps already in place are skipped, so applying
     * twice, or after a crash in the middle, is safe. Afterwards it checks that the kernel made each CPU its own
     * root domain.
     *
     * @throws PartitionException when the kernel refuses a write or did not split the domains; what was applied is
     *     undone first (the message lists anything that could not be)
     */
    void apply(PartitionChange change);

    /** {@link #plan} then {@link #apply}: returns what changed so that {@link #undo} can put it back. Idempotent. */
    default PartitionChange partition(BitSet cpus) {
        synchronized (CpusetHierarchy.TREE_LOCK) {
            PartitionChange change = plan(cpus);
            apply(change);
            return change;
        }
    }

    /**
     * Puts the tree back as it was before {@code change}, in reverse order: the flags restored and the created
     * cpusets removed, after moving the threads still inside them to the cpuset they came from ({@code /} or the
     * cpuset that formed the root domain; their affinity becomes that cpuset's CPUs). Idempotent: what is already
     * back is skipped. Works on a change read back from JSON in another process.
     *
     * <p>Switch the DEADLINE threads inside to another policy at least one DEADLINE period before: when a running
     * DEADLINE thread leaves DEADLINE the kernel keeps its bandwidth counted until the thread's 0-lag time (the inactive
     * timer, up to one period), and a root-domain rebuild in that window (this merge, a split, a ledger repair)
     * recounts without it, after which the timer subtracts it once more: {@code total_bw} then counts less than is held
     * (admission over-admits) until the next rebuild. Measured on Linux 6.18: -20% after a 2ms/10ms thread.
     *
     * @throws PartitionException when something could not be put back (everything else was); calling it again is safe
     */
    void undo(PartitionChange change);

    /**
     * The cpuset thread {@code tid} is in now (from {@code /proc/TID/cpuset}), e.g. {@code /} or {@code /vmqos-cpu1}.
     * Read-only; any thread.
     *
     * @throws PartitionException (field {@code tid}) when the thread does not exist
     */
    String cpusetOf(int tid);

    /**
     * Moves one thread (not its whole process) into cpuset {@code path}; its affinity becomes that cpuset's CPUs (a
     * narrower affinity set before is not kept). Idempotent: a thread already there is left alone. Any thread.
     *
     * <p>A SCHED_DEADLINE thread is refused when the kernel would lose its bandwidth: the kernel reserves bandwidth in
     * the destination only when the old and new cpusets share no CPU, and releases it from the source root domain
     * only when that domain shares no CPU with the destination; moving from {@code /} into {@code vmqos-cpuN} a
     * DEADLINE thread that runs in another root domain releases it without reserving it. Move such a thread while it
     * is SCHED_OTHER, or from one partition to another (the kernel then runs admission control: EBUSY when full).
     *
     * <p>A thread that sleeps when moved changes CPU only when it next wakes up; until then the kernel still places it
     * in the root domain of the CPU it last ran on, and {@code sched_setattr(SCHED_DEADLINE)} fails with EPERM (that
     * domain is not covered by its new affinity). Wait for {@link #arrived} before setting DEADLINE.
     *
     * @throws PartitionException naming the field ({@code tid}, {@code path}) and the fix
     */
    void move(int tid, String path);

    /**
     * True when thread {@code tid} last ran on a CPU of cpuset {@code path} (field 39 of {@code /proc/TID/stat}): after
     * {@link #move}, a sleeping thread gets there at its next wakeup. Read-only; any thread.
     *
     * @throws PartitionException (field {@code tid} or {@code path}) when the thread or the cpuset does not exist
     */
    boolean arrived(int tid, String path);
}
