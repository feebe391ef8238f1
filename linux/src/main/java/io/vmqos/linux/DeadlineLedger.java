package io.vmqos.linux;

import io.vmqos.core.CpuList;
import io.vmqos.core.CpuBandwidth;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.List;
import java.util.Optional;
import java.util.SortedMap;
import java.util.function.Supplier;

/**
 * Reads the kernel's SCHED_DEADLINE admission ledger ({@code dl_bw} per root domain) and repairs it when it
 * leaked.
 *
 * <p>Why: switching a sleeping DEADLINE thread to another policy leaves its bandwidth counted in
 * {@code dl_bw->total_bw} (a kernel bug); over time admission control then refuses reservations that fit.
 * {@link #read()} compares the kernel's count with the live DEADLINE threads and deadline servers;
 * {@link #repair()} makes the kernel rebuild its root domains, which recounts the ledger from the live tasks.
 *
 * <p>Needs root (debugfs, cpuset writes). {@code read} may be called from any thread; repairs are serialized
 * within this JVM with every other cpuset tree change ({@link CpusetHierarchy#TREE_LOCK}), not against other processes.
 */
public final class DeadlineLedger {
    /** Pause before the confirming re-read of an inconsistent snapshot. */
    public static final Duration DEFAULT_SETTLE = Duration.ofMillis(100);

    private final DebugFs debugFs;
    private final DeadlineThreadWalker walker;
    private final Supplier<Optional<CpusetHierarchy>> cpusets;
    private final Path cpuDir;
    private final Duration settle;

    /** The real host, reading thread parameters with {@code scheduler}. */
    public DeadlineLedger(ThreadScheduler scheduler) {
        this(new DebugFs(), new DeadlineThreadWalker(scheduler), CpusetHierarchy::locate,
                Path.of("/sys/devices/system/cpu"), DEFAULT_SETTLE);
    }

    /**
     * Everything injectable.
     *
     * @param cpuDir the directory with {@code online} and {@code isolated} (normally /sys/devices/system/cpu)
     * @param settle pause before re-reading an inconsistent snapshot
     */
    public DeadlineLedger(DebugFs debugFs, DeadlineThreadWalker walker, Supplier<Optional<CpusetHierarchy>> cpusets,
                          Path cpuDir, Duration settle) {
        this.debugFs = debugFs;
        this.walker = walker;
        this.cpusets = cpusets;
        this.cpuDir = cpuDir;
        this.settle = settle;
    }

    /**
     * The current ledger. The sources are not read atomically, so when the first read does not add up (a leak,
     * a thread that came or went between reads, CPUs of one domain printing different totals), it waits
     * {@link #DEFAULT_SETTLE} and reads once more; that second read is returned.
     *
     * @throws LedgerUnavailableException when debugfs or procfs cannot be read, naming the fix
     */
    public LedgerSnapshot read() {
        LedgerSnapshot first = readOnce();
        if (first.consistent() && !hasInconsistencyWarning(first)) return first;
        sleep(settle);
        return readOnce();
    }

    /** One read without the confirming re-read. */
    public LedgerSnapshot readOnce() {
        BitSet online = cpuSet("online", true);
        BitSet isolated = cpuSet("isolated", false);
        List<String> warnings = new ArrayList<>();
        Optional<CpusetHierarchy> h = cpusets.get();
        List<BitSet> domains = h.map(c -> c.rootDomains(online, isolated)).orElseGet(() -> RootDomains.flat(online, isolated));
        // Threads first, the kernel's counter last: a thread admitted in between then shows as unaccounted (>0),
        // one that left as negative; both are caught by the re-read.
        List<DeadlineThread> threads = walker.walk();
        DeadlineServers.Result servers = DeadlineServers.read(debugFs, online);
        warnings.addAll(servers.warnings());
        SortedMap<Integer, CpuDlBandwidth> perCpu = SchedDebugParser.parse(debugFs.readSchedDebug());
        return assemble(perCpu, domains, servers.servers(), threads, warnings);
    }

    /**
     * The kernel's counters only, from one {@code sched/debug} read: no walk of {@code /proc}, no cpuset tree (see
     * {@link DeadlineCounters}). For comparing the counters before and after a change whose bandwidth is known.
     *
     * @throws LedgerUnavailableException when debugfs cannot be read
     */
    public DeadlineCounters readCounters() { return new DeadlineCounters(SchedDebugParser.parse(debugFs.readSchedDebug())); }

    /**
     * Pure assembly of a snapshot from its parts: per-domain kernel values (cross-checked across the domain's
     * CPUs), servers of the domain's CPUs, threads by the CPU they last ran on.
     */
    public static LedgerSnapshot assemble(SortedMap<Integer, CpuDlBandwidth> perCpu, List<BitSet> domains,
                                          List<ServerBandwidth> servers, List<DeadlineThread> threads, List<String> warningsIn) {
        List<String> warnings = new ArrayList<>(warningsIn);
        List<RootDomainLedger> out = new ArrayList<>();
        boolean[] placed = new boolean[threads.size()];
        for (BitSet dom : domains) {
            List<Integer> cpus = new ArrayList<>();
            CpuDlBandwidth first = null;
            for (int c = dom.nextSetBit(0); c >= 0; c = dom.nextSetBit(c + 1)) {
                cpus.add(c);
                CpuDlBandwidth k = perCpu.get(c);
                if (k == null) {
                    warnings.add("sched/debug has no dl_rq[" + c + "] although CPU " + c + " is online");
                    continue;
                }
                if (first == null) {
                    first = k;
                } else if (!k.totalBw().equals(first.totalBw()) || !k.perCpuBw().equals(first.perCpuBw())) {
                    warnings.add(INCONSISTENT + CpuList.format(dom) + ": CPU " + c + " prints total_bw " + k.totalBw().kernelUnits() + " bw "
                            + k.perCpuBw().kernelUnits() + " but CPU " + cpus.getFirst() + " prints " + first.totalBw().kernelUnits()
                            + " / " + first.perCpuBw().kernelUnits()
                            + " (the cpuset-derived root domains differ from the kernel's, or the ledger changed while printed)");
                }
            }
            if (first == null) continue;
            CpuBandwidth serversTotal = CpuBandwidth.ZERO;
            for (ServerBandwidth s : servers) if (dom.get(s.cpu())) serversTotal = serversTotal.plus(s.bandwidth());
            List<DeadlineThread> mine = new ArrayList<>();
            CpuBandwidth threadsTotal = CpuBandwidth.ZERO;
            for (int i = 0; i < threads.size(); i++) {
                DeadlineThread t = threads.get(i);
                if (!placed[i] && t.cpu() >= 0 && dom.get(t.cpu())) {
                    placed[i] = true;
                    mine.add(t);
                    threadsTotal = threadsTotal.plus(t.bandwidth());
                }
            }
            CpuBandwidth capacity = first.unlimited() ? RootDomainLedger.UNLIMITED : first.perCpuBw().times(cpus.size());
            out.add(new RootDomainLedger(cpus, first.perCpuBw(), capacity, first.totalBw(), serversTotal, threadsTotal, mine));
        }
        for (int i = 0; i < threads.size(); i++) {
            if (!placed[i]) {
                DeadlineThread t = threads.get(i);
                warnings.add("DEADLINE thread " + t.tid() + " (" + t.comm() + ") last ran on CPU " + t.cpu() + ", which is in no root domain");
            }
        }
        return new LedgerSnapshot(out, warnings);
    }

    private static final String INCONSISTENT = "root domain CPUs ";

    private static boolean hasInconsistencyWarning(LedgerSnapshot s) {
        for (String w : s.warnings()) if (w.startsWith(INCONSISTENT)) return true;
        return false;
    }

    /**
     * Makes the kernel rebuild its root domains (recounting the ledger from live tasks), then re-reads and
     * verifies that nothing is left unaccounted. Safe to run when nothing leaked (it changes nothing then,
     * except for a millisecond-long domain rebuild).
     *
     * @throws LedgerUnavailableException when no cpuset controller is mounted or the kernel refuses the writes;
     *     every file the repair changed has been restored by then
     */
    public RepairResult repair() {
        synchronized (CpusetHierarchy.TREE_LOCK) {
            return repairFrom(read());
        }
    }

    /**
     * Makes the kernel rebuild its root domains (recounting the ledger from live tasks) without reading the ledger
     * first: for a caller that knows the counter holds a leak. ~0.1 ms on 6.18.
     *
     * @return how it was done
     * @throws LedgerUnavailableException when no cpuset controller is mounted or the kernel refuses the writes
     */
    public String rebuild() {
        synchronized (CpusetHierarchy.TREE_LOCK) {
            return rebuilder().rebuild();
        }
    }

    private RootDomainRebuilder rebuilder() {
        CpusetHierarchy h = cpusets.get().orElseThrow(() -> new LedgerUnavailableException(
                "no cpuset controller is mounted, so the root domains cannot be rebuilt; fix: mount -t cgroup -o cpuset "
                        + "cpuset /sys/fs/cgroup/cpuset (cgroup v1) or enable +cpuset in the cgroup v2 root's cgroup.subtree_control"));
        return h.rebuilder();
    }

    /** Rebuilds root domains; {@code before} is the read that found the leak (not read again: it costs a settle). */
    private RepairResult repairFrom(LedgerSnapshot before) {
        String method = rebuilder().rebuild();
        // a rebuild recounts from live tasks, so a consistent first read is final; only a mismatch earns the settle
        LedgerSnapshot after = readOnce();
        if (!after.consistent()) after = read();
        return new RepairResult(method, before, after, !after.leaked());
    }

    /**
     * {@link #repair()} when {@link #read()} shows a leak or an under-count (a rebuild recounts both); otherwise a
     * result with method {@code none}.
     */
    public RepairResult repairIfLeaked() {
        synchronized (CpusetHierarchy.TREE_LOCK) {
            LedgerSnapshot now = read();
            if (!now.leaked() && !now.underCounted()) return new RepairResult("none", now, now, true);
            return repairFrom(now);
        }
    }

    private BitSet cpuSet(String file, boolean required) { return CpuFiles.read(cpuDir.resolve(file), required); }

    private static void sleep(Duration d) {
        try {
            Thread.sleep(d);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
