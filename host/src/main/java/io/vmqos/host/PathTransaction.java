package io.vmqos.host;

import com.fasterxml.jackson.databind.JsonNode;
import io.vmqos.core.Reservation;
import io.vmqos.core.SchedAttributes;
import io.vmqos.core.ThreadChange;
import io.vmqos.core.net.Irq;
import io.vmqos.core.net.KernelThread;
import io.vmqos.core.net.NetDevice;
import io.vmqos.core.net.NetPath;
import io.vmqos.core.net.TapRef;
import io.vmqos.core.net.VmNetwork;
import io.vmqos.core.vm.VmThread;
import io.vmqos.core.vm.VmThreads;
import io.vmqos.core.CpuList;
import io.vmqos.linux.ProcFs;
import io.vmqos.linux.SchedException;
import io.vmqos.linux.ThreadScheduler;
import io.vmqos.linux.net.Interrupts;
import io.vmqos.linux.net.IpRoute;
import io.vmqos.linux.net.KernelThreads;
import io.vmqos.linux.net.LinkShaper;
import io.vmqos.linux.net.NapiChange;
import io.vmqos.linux.net.NapiUnsupportedException;
import io.vmqos.linux.net.NetCommandException;
import io.vmqos.linux.net.NetPathDiscovery;
import io.vmqos.linux.net.ShapedLink;
import io.vmqos.linux.net.TapDiscovery;
import io.vmqos.linux.net.ThreadedNapi;

import java.time.Duration;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * One VM's reservations together with its network path, all-or-nothing:
 * <ol>
 *   <li>(a) threaded NAPI on for every path device that polls ({@link VmNetwork#napiDevices()}), remembering the
 *       previous {@code threaded} and GRO settings;</li>
 *   <li>(b) one {@link Reserver#apply} of the VM's own thread changes plus SCHED_DEADLINE for the path's
 *       {@code napi/} threads and (with {@code threadirqs}) {@code irq/} threads, sized by the request's
 *       {@link PathThreadSizing}; a thread shared by several VMs gets one reservation;</li>
 *   <li>(b') with {@link PathRequest#steerIrqs()}, path IRQs moved onto the VM's CPUs (see below);</li>
 *   <li>(c) tc shaping of each tap ({@link LinkShaper#shapeEgress}, optionally {@link LinkShaper#shapeIngress}).</li>
 * </ol>
 * A failure at any step undoes the earlier ones in reverse (tc removed, every changed thread put back to exactly its
 * previous attributes with a ledger repair, NAPI restored) and throws {@link PathTransactionException}. On success
 * what was done is recorded in the {@link PathStateStore} so that {@link #release} (possibly from another process)
 * undoes exactly that, in reverse: tc, threads, NAPI.
 *
 * <p><b>Sharing.</b> Path devices and threads (the bridge's veth, a NIC) are usually crossed by several VMs. NAPI is
 * restored, and a path thread put back, only when the last VM recorded as crossing it releases; earlier releases
 * hand their records over to a VM still using the device.
 *
 * <p><b>IRQ affinity.</b> A path IRQ whose {@code smp_affinity_list} holds CPUs outside those the reserved threads
 * may run on (their {@code Cpus_allowed_list}, i.e. any cpuset in use) does its hard-irq (and, unthreaded, softirq)
 * work on CPUs the reservations do not cover. With {@link PathRequest#steerIrqs()} the transaction moves each such
 * IRQ onto the VM's CPUs after the reservations (step b'), records the previous affinity and puts it back on
 * release or rollback (an IRQ shared by several VMs: on the last release); a refused move (managed IRQ) fails the
 * transaction. Without it the report carries a warning with the fix.
 *
 * <p>Each transaction holds the {@link HostLock} (re-entrantly when the caller holds it already), which serialises
 * threads and processes changing the host. Call from one thread.
 */
public final class PathTransaction {
    private static final Duration NAPI_THREAD_WAIT = Duration.ofSeconds(2);

    private final Reserver reserver;
    private final ThreadScheduler scheduler;
    private final IpRoute ip;
    private final ThreadedNapi napi;
    private final NetPathDiscovery discovery;
    private final LinkShaper shaper;
    private final TapDiscovery taps;
    private final PathStateStore store;
    private final ProcFs proc;
    private final IrqSteering irqs;

    public PathTransaction(Reserver reserver, ThreadScheduler scheduler, IpRoute ip, TapDiscovery taps, PathStateStore store) {
        this(reserver, scheduler, ip, taps, store, new Interrupts());
    }

    /** With another {@code /proc/interrupts} and {@code /proc/irq} reader and writer (tests). */
    public PathTransaction(Reserver reserver, ThreadScheduler scheduler, IpRoute ip, TapDiscovery taps, PathStateStore store,
                           Interrupts interrupts) {
        this.reserver = reserver;
        this.scheduler = scheduler;
        this.ip = ip;
        KernelThreads kt = new KernelThreads();
        this.napi = new ThreadedNapi(ip, kt);
        this.irqs = new IrqSteering(interrupts);
        this.discovery = new NetPathDiscovery(ip, kt, interrupts);
        this.shaper = new LinkShaper(ip);
        this.taps = taps;
        this.store = store;
        this.proc = new ProcFs();
    }

    /** Over the real host: iproute2, /proc, the default state file. */
    public static PathTransaction system(Reserver reserver, ThreadScheduler scheduler) {
        return new PathTransaction(reserver, scheduler, IpRoute.system(), new TapDiscovery(), PathStateStore.system());
    }

    public PathStateStore store() { return store; }

    /** The state file's key of a VM: its name, or {@code pid-N} when QEMU has none. */
    public static String keyOf(VmThreads vm) {
        return vm.name() == null || vm.name().isEmpty() ? "pid-" + vm.pid() : vm.name();
    }

    /**
     * Finds the VM's taps (from its QEMU process), their paths and the far ends of veth ports. Read-only.
     *
     * @throws io.vmqos.linux.net.NetPathException a VM without a tap (NO_TAP, naming the VM and the fix), a tap not on a bridge, ...
     */
    public VmNetwork network(VmThreads vm) {
        String key = keyOf(vm);
        List<TapRef> refs = taps.requireTaps(vm.pid(), vm.name());
        List<NetPath> paths = new ArrayList<>();
        for (TapRef t : refs) paths.add(discovery.discover(t.name(), t.ns()));
        List<NetDevice> peers = new ArrayList<>();
        for (NetPath p : paths) {
            for (NetDevice d : p.devices()) {
                if (d.kind() != io.vmqos.core.net.DeviceKind.VETH) continue;
                vethPeer(d).ifPresent(peers::add);
            }
        }
        return new VmNetwork(key, refs, paths, peers);
    }

    /**
     * Applies the VM's own {@code vmChanges} and the request's path work in one transaction (see the class doc).
     *
     * @throws PathTransactionException a step failed; everything undone (see {@link PathTransactionException#rolledBack()})
     * @throws IllegalStateException the state file already holds this VM (release it first)
     */
    public PathReport apply(VmThreads vm, List<ThreadChange> vmChanges, PathRequest req) {
        String key = keyOf(vm);
        try (HostLock lock = HostLock.acquire("vmqos path transaction: reserve VM " + key, HostLock.DEFAULT_WAIT)) {
            PathState state = store.read();
            if (state.vms().containsKey(key)) {
                throw new IllegalStateException("VM " + key + " already has path reservations recorded in " + store.file()
                        + " (fix: vmqos vm release first)");
            }
            return applyLocked(vm, key, vmChanges, req, state);
        }
    }

    private PathReport applyLocked(VmThreads vm, String key, List<ThreadChange> vmChanges, PathRequest req, PathState state) {
        List<String> undone = new ArrayList<>();
        List<String> warnings = new ArrayList<>();
        VmNetwork network;
        try {
            network = network(vm);
        } catch (RuntimeException e) {
            throw new PathTransactionException(key, PathTransactionException.Stage.DISCOVER, e, undone, List.of());
        }
        // (a) threaded NAPI
        List<NapiChange> napiDone = new ArrayList<>();
        Map<String, List<KernelThread>> napiThreads = new LinkedHashMap<>();
        if (req.napi() != null) {
            for (NetDevice d : network.napiDevices()) {
                try {
                    NapiChange c;
                    try {
                        c = napi.enable(d.name(), d.ns(), NAPI_THREAD_WAIT);
                    } catch (NetCommandException e) {
                        throw new NapiUnsupportedException(d.name(), d.ns(), "the kernel refused threaded NAPI: " + e.stderr().strip(),
                                "thread the NAPI of another device on the path, or reserve without --napi", e);
                    }
                    napiDone.add(c);
                    napiThreads.put(devKey(d), c.threads());
                    if (c.threads().isEmpty()) warnings.add("device " + d.name() + ns(d.ns()) + " shows no napi/ threads (is it up?)");
                } catch (RuntimeException e) {
                    List<String> problems = new ArrayList<>();
                    restoreNapi(napiDone, undone, problems);
                    throw new PathTransactionException(key, PathTransactionException.Stage.NAPI, e, undone, problems);
                }
            }
        }
        // (b) one Reserver apply: VM threads + path threads
        List<ThreadChange> all = new ArrayList<>(vmChanges);
        List<PathState.PathThread> pathThreads = new ArrayList<>();
        Map<Integer, NetDevice> irqThreadDevices = new LinkedHashMap<>();
        if (req.napi() != null) {
            for (NetDevice d : network.napiDevices()) {
                List<KernelThread> ts = new ArrayList<>(napiThreads.getOrDefault(devKey(d), List.of()));
                for (Irq irq : d.irqs()) irq.thread().ifPresent(t -> { ts.add(t); irqThreadDevices.put(t.pid(), d); });
                for (KernelThread t : ts) {
                    if (all.stream().anyMatch(c -> c.tid() == t.pid())) continue;
                    List<String> users = usersOfThread(state, t.pid());
                    users.add(key);
                    Reservation r = req.napi().size(t, d, users);
                    all.add(new ThreadChange(t.pid(), SchedAttributes.deadline(r), "path " + t.comm() + " (" + d.name() + ")"));
                    pathThreads.add(new PathState.PathThread(t.pid(), t.comm(), d.name(), d.ns(), null));
                }
            }
        }
        if (!req.steerIrqs()) checkIrqAffinity(network, vm, warnings);
        ApplyReport applied = null;
        if (!all.isEmpty()) {
            try {
                applied = reserver.apply(all);
            } catch (RuntimeException e) {
                List<String> problems = new ArrayList<>();
                restoreNapi(napiDone, undone, problems);
                throw new PathTransactionException(key, PathTransactionException.Stage.RESERVE, e, undone, problems);
            }
        }
        // path threads: remember the attributes they had before this VM (the first user's record counts)
        List<PathState.PathThread> recorded = new ArrayList<>();
        for (PathState.PathThread p : pathThreads) {
            SchedAttributes before = applied.outcomes().stream().filter(o -> o.tid() == p.tid()).findFirst()
                    .map(ThreadOutcome::before).orElse(SchedAttributes.other());
            recorded.add(new PathState.PathThread(p.tid(), p.comm(), p.device(), p.ns(), PathState.Attr.of(before)));
        }
        // (b') IRQ affinity onto the VM's CPUs
        List<PathState.IrqRecord> irqsMoved = new ArrayList<>();
        if (req.steerIrqs()) {
            try {
                steerIrqs(network, vm, state, irqsMoved, warnings);
            } catch (RuntimeException e) {
                throw undoAll(key, PathTransactionException.Stage.IRQ, e, List.of(), irqsMoved, applied, napiDone, undone);
            }
        }
        // (c) shaping
        List<ShapedLink> shaped = new ArrayList<>();
        try {
            for (TapRef t : network.taps()) {
                if (req.egress() != null) shaped.add(shaper.shapeEgress(t.name(), t.ns(), key, req.egress()));
                if (req.ingress() != null) shaped.add(shaper.shapeIngress(t.name(), t.ns(), key, req.ingress()));
            }
        } catch (RuntimeException e) {
            throw undoAll(key, PathTransactionException.Stage.SHAPE, e, shaped, irqsMoved, applied, napiDone, undone);
        }
        // record
        List<PathState.Dev> devs = network.devices().stream().map(d -> new PathState.Dev(d.name(), d.ns())).toList();
        List<PathState.NapiRecord> napiRecords = new ArrayList<>();
        for (NapiChange c : napiDone) {
            if (!c.wasAlreadyThreaded()) {
                napiRecords.add(new PathState.NapiRecord(c.device(), c.ns(), c.previousThreaded(), c.previousGro().orElse(null),
                        c.previousTso().orElse(null)));
            }
        }
        List<PathState.Shaped> shapedRecords = shaped.stream().map(s -> new PathState.Shaped(s.device(), s.ns(), s.before(),
                s.classIds(), s.ifb().orElse(null))).toList();
        PathState.VmEntry entry = new PathState.VmEntry(vm.pid(), key, devs, napiRecords, recorded, shapedRecords, irqsMoved);
        try {
            store.write(state.with(key, entry));
        } catch (RuntimeException e) {
            throw undoAll(key, PathTransactionException.Stage.STATE, e, shaped, irqsMoved, applied, napiDone, undone);
        }
        return new PathReport(key, network, applied == null ? new ApplyReport(List.of(), LedgerRepair.NOTHING) : applied,
                napiDone, shaped, irqsMoved, warnings);
    }

    /**
     * Undoes what the state file records for this VM, in reverse order of apply: tc shaping removed, the VM's
     * DEADLINE/real-time threads back to SCHED_OTHER and its path threads back to their recorded attributes
     * (unless another VM still crosses them), NAPI restored (or handed over). Best effort: every step is tried,
     * failures are listed in the report. When nothing is recorded only the VM's own threads are released.
     */
    public PathReleaseReport release(VmThreads vm) {
        String key = keyOf(vm);
        try (HostLock lock = HostLock.acquire("vmqos path transaction: release VM " + key, HostLock.DEFAULT_WAIT)) {
            return releaseLocked(vm, key);
        }
    }

    private PathReleaseReport releaseLocked(VmThreads vm, String key) {
        PathState state = store.read();
        PathState.VmEntry entry = state.vms().get(key);
        List<String> problems = new ArrayList<>(), removed = new ArrayList<>(), restored = new ArrayList<>(), handed = new ArrayList<>(),
                irqsBack = new ArrayList<>();
        PathState rest = state.without(key);
        // 1. tc
        if (entry != null) {
            List<PathState.Shaped> sh = entry.shaped();
            for (int i = sh.size() - 1; i >= 0; i--) {
                PathState.Shaped s = sh.get(i);
                try {
                    shaper.remove(new ShapedLink(s.device(), s.ns(), s.before(), s.classIds(), Optional.ofNullable(s.ifb())));
                    removed.add(s.device() + ns(s.ns()) + (s.ifb() == null ? " egress" : " ingress via " + s.ifb()));
                } catch (RuntimeException e) {
                    problems.add("tc on " + s.device() + ns(s.ns()) + ": " + e.getMessage());
                }
            }
        }
        // 1b. IRQ affinity
        if (entry != null) {
            List<PathState.IrqRecord> ir = entry.irqs();
            for (int i = ir.size() - 1; i >= 0; i--) {
                PathState.IrqRecord r = ir.get(i);
                Optional<String> other = otherUserOfDevice(rest, r.device(), r.ns());
                if (other.isPresent()) {
                    rest = handOverIrq(rest, other.get(), r);
                    handed.add("IRQ " + r.irq() + " to " + other.get());
                    continue;
                }
                try {
                    irqs.putBack(r);
                    irqsBack.add("IRQ " + r.irq() + " back on CPUs " + r.previous());
                } catch (RuntimeException e) {
                    problems.add("IRQ " + r.irq() + ": " + e.getMessage());
                }
            }
        }
        // 2. threads
        List<ThreadChange> back = new ArrayList<>();
        back.addAll(VmReservationPlan.release(vm, scheduler));
        if (entry != null) {
            for (PathState.PathThread p : entry.pathThreads()) {
                Optional<String> other = otherUserOfThread(rest, p.tid());
                if (other.isPresent()) {
                    rest = handOverThread(rest, other.get(), p);
                    handed.add(p.comm() + " (tid " + p.tid() + ") to " + other.get());
                    continue;
                }
                try {
                    SchedAttributes cur = scheduler.get(p.tid());
                    SchedAttributes target = p.before() == null ? SchedAttributes.other() : p.before().toAttributes();
                    if (!cur.sameSchedulingAs(target)) back.add(new ThreadChange(p.tid(), target, "path " + p.comm()));
                } catch (SchedException.ThreadGone gone) {
                    // device gone: nothing holds the reservation any more
                }
            }
        }
        ApplyReport threads = new ApplyReport(List.of(), LedgerRepair.NOTHING);
        try {
            threads = back.isEmpty() ? new ApplyReport(List.of(), LedgerRepair.NOTHING) : reserver.apply(back);
        } catch (RuntimeException e) {
            problems.add("threads: " + e.getMessage());
        }
        // 3. NAPI
        if (entry != null) {
            List<PathState.NapiRecord> nr = entry.napi();
            for (int i = nr.size() - 1; i >= 0; i--) {
                PathState.NapiRecord r = nr.get(i);
                Optional<String> other = otherUserOfDevice(rest, r.device(), r.ns());
                if (other.isPresent()) {
                    rest = handOverNapi(rest, other.get(), r);
                    handed.add("NAPI of " + r.device() + ns(r.ns()) + " to " + other.get());
                    continue;
                }
                try {
                    napi.restore(new NapiChange(r.device(), r.ns(), r.previousThreaded(), Optional.ofNullable(r.previousGro()),
                            Optional.ofNullable(r.previousTso()), List.of()));
                    restored.add(r.device() + ns(r.ns()));
                } catch (RuntimeException e) {
                    problems.add("NAPI of " + r.device() + ns(r.ns()) + ": " + e.getMessage());
                }
            }
            store.write(rest);
        }
        return new PathReleaseReport(key, entry != null, threads, removed, irqsBack, restored, handed, problems);
    }

    /** Shaping statistics of the recorded shaped devices of every VM (for {@code vmqos show}). */
    public Map<String, List<io.vmqos.linux.net.ShapingStats>> shapedStats() {
        Map<String, List<io.vmqos.linux.net.ShapingStats>> out = new LinkedHashMap<>();
        for (Map.Entry<String, PathState.VmEntry> e : store.read().vms().entrySet()) {
            List<io.vmqos.linux.net.ShapingStats> l = new ArrayList<>();
            for (PathState.Shaped s : e.getValue().shaped()) {
                try {
                    l.add(shaper.stats(s.ifb() != null ? s.ifb() : s.device(), s.ns()));
                } catch (RuntimeException gone) {
                    // device gone (VM stopped): nothing to show
                }
            }
            out.put(e.getKey(), l);
        }
        return out;
    }

    /** Current class/qdisc statistics of one device. */
    public io.vmqos.linux.net.ShapingStats stats(String device, String ns) { return shaper.stats(device, ns); }

    // ---- rollback helpers -------------------------------------------------------------------------------------

    /** Undoes (c), (b) and (a) in that order and returns the exception to throw. */
    private PathTransactionException undoAll(String key, PathTransactionException.Stage stage, RuntimeException cause,
                                             List<ShapedLink> shaped, List<PathState.IrqRecord> irqsMoved, ApplyReport applied,
                                             List<NapiChange> napiDone, List<String> undone) {
        List<String> problems = new ArrayList<>();
        removeShaping(shaped, undone, problems);
        for (PathState.IrqRecord r : irqsMoved.reversed()) {
            try {
                irqs.putBack(r);
                undone.add("IRQ " + r.irq() + " back on CPUs " + r.previous());
            } catch (RuntimeException e) {
                problems.add("putting IRQ " + r.irq() + " back: " + e.getMessage() + " (fix: echo " + r.previous()
                        + " > /proc/irq/" + r.irq() + "/smp_affinity_list)");
            }
        }
        restoreThreads(applied, undone, problems);
        restoreNapi(napiDone, undone, problems);
        return new PathTransactionException(key, stage, cause, undone, problems);
    }

    private void restoreNapi(List<NapiChange> done, List<String> undone, List<String> problems) {
        for (int i = done.size() - 1; i >= 0; i--) {
            NapiChange c = done.get(i);
            try {
                napi.restore(c);
                if (!c.wasAlreadyThreaded()) undone.add("NAPI restored on " + c.device() + ns(c.ns()));
            } catch (RuntimeException e) {
                problems.add("restoring NAPI on " + c.device() + ns(c.ns()) + ": " + e.getMessage()
                        + " (fix: echo " + c.previousThreaded() + " > /sys/class/net/" + c.device() + "/threaded)");
            }
        }
    }

    private void restoreThreads(ApplyReport applied, List<String> undone, List<String> problems) {
        if (applied == null) return;
        List<ThreadChange> back = new ArrayList<>();
        for (ThreadOutcome o : applied.outcomes()) if (o.changed()) back.add(new ThreadChange(o.tid(), o.before(), o.label()));
        if (back.isEmpty()) return;
        try {
            reserver.apply(back);
            undone.add(back.size() + " thread(s) put back");
        } catch (RuntimeException e) {
            problems.add("putting threads back: " + e.getMessage() + " (fix: vmqos release --tid ...; vmqos doctor --repair)");
        }
    }

    private void removeShaping(List<ShapedLink> shaped, List<String> undone, List<String> problems) {
        for (int i = shaped.size() - 1; i >= 0; i--) {
            ShapedLink s = shaped.get(i);
            try {
                shaper.remove(s);
                undone.add("tc removed from " + s.device() + ns(s.ns()));
            } catch (RuntimeException e) {
                problems.add("removing tc from " + s.device() + ns(s.ns()) + ": " + e.getMessage());
            }
        }
    }

    // ---- sharing ----------------------------------------------------------------------------------------------

    private static List<String> usersOfThread(PathState s, int tid) {
        List<String> out = new ArrayList<>();
        s.vms().forEach((k, e) -> { if (e.pathThreads().stream().anyMatch(p -> p.tid() == tid)) out.add(k); });
        return out;
    }

    private static Optional<String> otherUserOfThread(PathState rest, int tid) {
        return usersOfThread(rest, tid).stream().findFirst();
    }

    private static Optional<String> otherUserOfDevice(PathState rest, String dev, String ns) {
        PathState.Dev d = new PathState.Dev(dev, ns);
        return rest.vms().entrySet().stream().filter(e -> e.getValue().devices().contains(d)).map(Map.Entry::getKey).findFirst();
    }

    /** The other VM takes over the record of the thread's original attributes. */
    private static PathState handOverThread(PathState rest, String to, PathState.PathThread p) {
        PathState.VmEntry e = rest.vms().get(to);
        List<PathState.PathThread> l = new ArrayList<>();
        for (PathState.PathThread q : e.pathThreads()) l.add(q.tid() == p.tid() ? p : q);
        return rest.with(to, new PathState.VmEntry(e.pid(), e.name(), e.devices(), e.napi(), l, e.shaped(), e.irqs()));
    }

    private static PathState handOverNapi(PathState rest, String to, PathState.NapiRecord r) {
        PathState.VmEntry e = rest.vms().get(to);
        List<PathState.NapiRecord> l = new ArrayList<>(e.napi());
        l.add(r);
        return rest.with(to, new PathState.VmEntry(e.pid(), e.name(), e.devices(), l, e.pathThreads(), e.shaped(), e.irqs()));
    }

    private static PathState handOverIrq(PathState rest, String to, PathState.IrqRecord r) {
        PathState.VmEntry e = rest.vms().get(to);
        List<PathState.IrqRecord> l = new ArrayList<>(e.irqs());
        l.add(r);
        return rest.with(to, new PathState.VmEntry(e.pid(), e.name(), e.devices(), e.napi(), e.pathThreads(), e.shaped(), l));
    }

    // ---- discovery helpers ------------------------------------------------------------------------------------

    /** The other end of a veth, when it lives in this or a named namespace. */
    private Optional<NetDevice> vethPeer(NetDevice d) {
        try {
            JsonNode link = ip.ipJson(d.ns(), "link", "show", "dev", d.name()).path(0);
            int peerIndex = link.path("link_index").asInt(0);
            if (peerIndex <= 0) return Optional.empty();
            String peerNs = d.ns();
            if (link.has("link_netnsid")) {
                int nsid = link.path("link_netnsid").asInt();
                peerNs = null;
                for (JsonNode n : ip.ipJson(d.ns(), "netns", "list-id")) {
                    if (n.path("nsid").asInt(-1) == nsid && n.hasNonNull("name")) peerNs = n.path("name").asText();
                }
                if (peerNs == null) return Optional.empty(); // unnamed (e.g. the root namespace): not followed
            }
            for (JsonNode l : ip.ipJson(peerNs, "link", "show")) {
                if (l.path("ifindex").asInt() == peerIndex) return Optional.of(discovery.device(l.path("ifname").asText(), peerNs));
            }
        } catch (RuntimeException e) {
            // peer not reachable: the path still holds the near end
        }
        return Optional.empty();
    }

    /** The CPUs the VM's threads may run on (the union of their {@code Cpus_allowed_list}: any cpuset in use). */
    private BitSet vmCpus(VmThreads vm) {
        BitSet cpus = new BitSet();
        for (VmThread t : vm.threads()) proc.cpusAllowed(t.tid()).ifPresent(l -> cpus.or(CpuList.parse(l)));
        return cpus;
    }

    /**
     * Moves every path IRQ that may run outside the VM's CPUs onto them, recording each move in {@code moved} as it
     * happens (so a failure midway can put back exactly those). An IRQ another recorded VM already moved is left
     * to that VM's record.
     */
    private void steerIrqs(VmNetwork network, VmThreads vm, PathState state, List<PathState.IrqRecord> moved, List<String> warnings) {
        java.util.Set<Integer> recorded = new java.util.HashSet<>();
        state.vms().values().forEach(e -> e.irqs().forEach(r -> recorded.add(r.irq())));
        irqs.steer(network.devices(), vmCpus(vm), recorded, moved);
        if (!moved.isEmpty() && IrqSteering.irqBalanceRunning()) {
            warnings.add("irqbalance is running and may move IRQs " + moved.stream().map(r -> String.valueOf(r.irq())).toList()
                    + " back (fix: add them to IRQBALANCE_BANNED_IRQS or stop irqbalance)");
        }
    }


    private void checkIrqAffinity(VmNetwork network, VmThreads vm, List<String> warnings) {
        BitSet cpus = vmCpus(vm);
        if (cpus.isEmpty()) return;
        for (NetDevice d : network.devices()) {
            for (Irq irq : d.irqs()) {
                if (irq.affinity().isEmpty()) continue;
                BitSet a = CpuList.parse(irq.affinity());
                a.andNot(cpus);
                if (!a.isEmpty()) {
                    warnings.add("IRQ " + irq.number() + " (" + irq.name() + ") of " + d.name() + " may run on CPUs " + irq.affinity()
                            + ", outside the CPUs " + CpuList.format(cpus) + " the reserved threads use (fix: echo "
                            + CpuList.format(cpus) + " > /proc/irq/" + irq.number() + "/smp_affinity_list, or reserve with --steer-irqs)");
                }
            }
        }
    }

    private static String devKey(NetDevice d) { return d.ns() + "/" + d.name(); }

    private static String ns(String ns) { return ns == null ? "" : " in netns " + ns; }
}
