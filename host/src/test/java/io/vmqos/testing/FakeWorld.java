package io.vmqos.testing;

import io.vmqos.core.CpuBandwidth;
import io.vmqos.core.KernelLimits;
import io.vmqos.core.SchedAttributes;
import io.vmqos.core.config.HostConfig;
import io.vmqos.core.config.VmConfig;
import io.vmqos.core.config.VmLocator;
import io.vmqos.core.desired.DesiredState;
import io.vmqos.core.desired.DeviceRef;
import io.vmqos.core.net.DeviceKind;
import io.vmqos.core.net.KernelThread;
import io.vmqos.core.net.NetDevice;
import io.vmqos.core.net.NetPath;
import io.vmqos.core.net.ShapingSpec;
import io.vmqos.core.net.TapRef;
import io.vmqos.core.net.VmNetwork;
import io.vmqos.core.observed.DomainFacts;
import io.vmqos.core.observed.HeldThread;
import io.vmqos.core.observed.KernelFacts;
import io.vmqos.core.observed.ObservedVm;
import io.vmqos.core.vm.ThreadRole;
import io.vmqos.core.vm.VmThread;
import io.vmqos.core.vm.VmThreads;
import io.vmqos.host.DomainBudget;
import io.vmqos.host.LedgerAccess;
import io.vmqos.host.LedgerRepair;
import io.vmqos.host.Reserver;
import io.vmqos.host.reconcile.HostAdapters;
import io.vmqos.host.reconcile.Live;
import io.vmqos.host.reconcile.LiveThread;
import io.vmqos.host.service.HostObserver;
import io.vmqos.host.state.HostRecord;
import io.vmqos.linux.DeadlineThread;
import io.vmqos.linux.net.IrqAffinity;
import io.vmqos.linux.net.NapiChange;
import io.vmqos.linux.net.NapiControl;
import io.vmqos.linux.net.QdiscState;
import io.vmqos.linux.net.ShapedLink;
import io.vmqos.linux.net.Shaper;
import io.vmqos.linux.net.ShapingStats;

import java.time.Duration;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * A whole host in memory, for testing the pipeline without root: QEMU VMs with threads (each with a start time),
 * their taps on a shared bridge with a veth (whose NAPI can be threaded, giving it a {@code napi/} thread), the
 * scheduler ({@link FakeScheduler}), a one-domain ledger computed from it, tc qdiscs, IRQ affinity. It is the observer
 * and every adapter at once. Not thread-safe.
 */
public final class FakeWorld implements HostObserver, LedgerAccess, NapiControl, Shaper, IrqAffinity {
    public final FakeScheduler sched = new FakeScheduler();
    public final Map<VmLocator, Vm> vms = new LinkedHashMap<>();
    public final Map<DeviceRef, String> threaded = new TreeMap<>();
    public final Map<DeviceRef, Integer> napiThreadOf = new TreeMap<>();
    public final Map<DeviceRef, List<QdiscState>> qdiscs = new TreeMap<>();
    public final Map<DeviceRef, ShapingSpec> shaped = new TreeMap<>();
    public final Map<Integer, String> irqAffinity = new TreeMap<>();
    public final FakePartitions partitions = new FakePartitions();
    final Map<Integer, Long> startTimes = new HashMap<>();
    final Map<Integer, Integer> tgids = new HashMap<>();
    public CpuBandwidth capacity = CpuBandwidth.ofRuntime(950_000_000L, 1_000_000_000L).times(2);
    public final CpuBandwidth servers = CpuBandwidth.ofRuntime(50_000_000L, 1_000_000_000L).times(2);
    private int nextId = 1000;
    private long clock = 1;
    public static final DeviceRef BRIDGE = new DeviceRef("br0", null);
    public static final DeviceRef VETH = new DeviceRef("veth0", null);
    public static final QdiscState DEFAULT_QDISC = new QdiscState("noqueue", "0:", "root", "{}");

    /** A running QEMU as this world shows it. */
    public record Vm(String name, int pid, List<VmThread> threads, String tap) {}

    public FakeWorld() {
        qdiscs.put(VETH, List.of(DEFAULT_QDISC));
        threaded.put(VETH, "0");
    }

    /** Starts a QEMU for {@code locator}: a main loop, {@code vcpus} vCPU threads and a worker, on a new tap. */
    public Vm start(VmLocator locator, String name, int vcpus) {
        int pid = spawn(0);
        List<VmThread> t = new ArrayList<>();
        t.add(new VmThread(pid, ThreadRole.MAIN_LOOP, "main-loop", 0));
        for (int i = 0; i < vcpus; i++) t.add(new VmThread(spawn(pid), ThreadRole.VCPU, "vcpu" + i, i));
        t.add(new VmThread(spawn(pid), ThreadRole.OTHER, "worker", 0));
        String tap = "tap" + pid;
        qdiscs.put(new DeviceRef(tap, null), List.of(DEFAULT_QDISC));
        Vm vm = new Vm(name, pid, t, tap);
        vms.put(locator, vm);
        return vm;
    }

    /** A new thread in a running VM (a vCPU hot-plugged). */
    public Vm hotplugVcpu(VmLocator locator) {
        Vm vm = vms.get(locator);
        List<VmThread> t = new ArrayList<>(vm.threads());
        int index = (int) t.stream().filter(x -> x.role() == ThreadRole.VCPU).count();
        t.add(new VmThread(spawn(vm.pid()), ThreadRole.VCPU, "vcpu" + index, index));
        Vm next = new Vm(vm.name(), vm.pid(), t, vm.tap());
        vms.put(locator, next);
        return next;
    }

    /** The QEMU exits: its threads and tap vanish. */
    public void stop(VmLocator locator) {
        Vm vm = vms.remove(locator);
        if (vm == null) return;
        for (VmThread t : vm.threads()) {
            sched.threads.remove(t.tid());
            startTimes.remove(t.tid());
            tgids.remove(t.tid());
        }
        DeviceRef tap = new DeviceRef(vm.tap(), null);
        qdiscs.remove(tap);
        shaped.remove(tap);
    }

    private int spawn(int pid) {
        int tid = nextId++;
        sched.with(tid, SchedAttributes.other());
        startTimes.put(tid, clock++);
        tgids.put(tid, pid == 0 ? tid : pid);
        return tid;
    }

    /** The adapters: the reserver counting this world's ledger, its NAPI, tc, IRQs and partitions. */
    public HostAdapters adapters() {
        return new HostAdapters(reserve -> new Reserver(sched, this, KernelLimits.DEFAULT, reserve), 0.10, this, this, this, partitions);
    }

    // ---- HostObserver -------------------------------------------------------------------------------------------

    @Override
    public VmsSeen vms(HostConfig cfg) {
        Map<String, ObservedVm> running = new TreeMap<>();
        Map<String, String> gone = new TreeMap<>();
        for (VmConfig c : cfg.vms()) {
            Vm vm = vms.get(c.locator());
            if (vm == null) gone.put(c.name(), "no VM at " + c.locator().describe());
            else running.put(c.name(), observe(c.name(), threads(vm)));
        }
        return new VmsSeen(running, gone, Map.of(), List.of(), List.of());
    }

    public VmThreads threads(Vm vm) { return new VmThreads(vm.pid(), vm.name(), VmThreads.Source.QMP, vm.threads()); }

    @Override
    public ObservedVm observe(String name, VmThreads threads) {
        Vm vm = vms.values().stream().filter(v -> v.pid() == threads.pid()).findFirst().orElseThrow();
        NetDevice tap = new NetDevice(vm.tap(), DeviceKind.TAP, null, false, List.of(), List.of());
        NetDevice br = new NetDevice(BRIDGE.name(), DeviceKind.BRIDGE, null, false, List.of(), List.of());
        List<KernelThread> napi = napiThreadOf.containsKey(VETH) ? List.of(new KernelThread(napiThreadOf.get(VETH), "napi/veth0-1")) : List.of();
        NetDevice veth = new NetDevice(VETH.name(), DeviceKind.VETH, null, !"0".equals(threaded.get(VETH)), napi, List.of());
        VmNetwork net = new VmNetwork(name, List.of(new TapRef(vm.tap(), null)), List.of(new NetPath(vm.tap(), BRIDGE.name(), List.of(tap, br, veth))), List.of());
        BitSet cpus = new BitSet();
        cpus.set(0, 2);
        return new ObservedVm(name, threads, net, cpus, startTimes.getOrDefault(vm.pid(), -1L));
    }

    @Override
    public KernelFacts facts(HostRecord record) {
        List<HeldThread> held = new ArrayList<>();
        CpuBandwidth total = servers;
        for (var e : sched.threads.entrySet()) {
            if (!e.getValue().isDeadline()) continue;
            held.add(new HeldThread(e.getKey(), e.getValue().bandwidth(), -1));
            total = total.plus(e.getValue().bandwidth());
        }
        TreeMap<Integer, CpuBandwidth> perCpu = new TreeMap<>(Map.of(0, servers.minus(servers.fractionOf(0.5)), 1, servers.fractionOf(0.5)));
        return new KernelFacts(List.of(new DomainFacts("0-1", new TreeSet<>(List.of(0, 1)), total, perCpu, held)), KernelLimits.DEFAULT,
                950_000_000L, 1_000_000_000L);
    }

    @Override
    public Live live(DesiredState desired, HostRecord record) {
        Map<Integer, LiveThread> threads = Live.threadsOf(desired, record, this::thread);
        Map<DeviceRef, NapiChange> napi = new LinkedHashMap<>();
        for (DeviceRef d : threaded.keySet()) napi.put(d, settings(d.name(), d.ns()));
        TreeSet<Integer> parts = new TreeSet<>();
        partitions.list().values().forEach(b -> b.stream().forEach(parts::add));
        return new Live(threads, napi, new TreeMap<>(irqAffinity), parts, new TreeMap<>(qdiscs));
    }

    @Override
    public List<Object> identity(VmLocator locator) {
        Vm vm = vms.get(locator);
        return vm == null ? List.of() : List.of(vm.pid(), vm.threads().stream().map(VmThread::tid).toList());
    }

    @Override
    public Optional<LiveThread> thread(int tid) {
        SchedAttributes a = sched.threads.get(tid);
        if (a == null) return Optional.empty();
        return Optional.of(new LiveThread(tid, tgids.getOrDefault(tid, tid), startTimes.getOrDefault(tid, 0L), a, partitions.cpusetOf(tid)));
    }

    @Override public List<DeadlineThread> ledgerThreads() { return List.of(); }
    @Override public boolean isQemu(int pid) { return vms.values().stream().anyMatch(v -> v.pid() == pid); }

    @Override
    public BitSet onlineCpus() {
        BitSet b = new BitSet();
        b.set(0, 2);
        return b;
    }

    // ---- LedgerAccess -------------------------------------------------------------------------------------------

    @Override
    public DomainBudget budgetFor(int tid) {
        CpuBandwidth held = servers;
        for (SchedAttributes a : sched.threads.values()) held = held.plus(a.bandwidth());
        return new DomainBudget("0-1", capacity, held, held);
    }

    @Override public LedgerRepair repairIfLeaked() { return LedgerRepair.NOTHING; }

    // ---- NapiControl --------------------------------------------------------------------------------------------

    @Override
    public NapiChange settings(String device, String ns) {
        String t = threaded.get(new DeviceRef(device, ns));
        if (t == null) throw new IllegalStateException("no device " + device);
        return new NapiChange(device, ns, t, Optional.empty(), Optional.empty(), List.of());
    }

    @Override
    public NapiChange enable(String device, String ns, Duration wait) {
        DeviceRef d = new DeviceRef(device, ns);
        NapiChange before = settings(device, ns);
        threaded.put(d, "1");
        if (!napiThreadOf.containsKey(d)) {
            int tid = spawn(0);
            napiThreadOf.put(d, tid);
        }
        return before;
    }

    @Override
    public void restore(NapiChange change) {
        DeviceRef d = new DeviceRef(change.device(), change.ns());
        threaded.put(d, change.previousThreaded());
        if ("0".equals(change.previousThreaded())) {
            Integer tid = napiThreadOf.remove(d);
            if (tid != null) {
                sched.threads.remove(tid);
                startTimes.remove(tid);
            }
        }
    }

    // ---- Shaper -------------------------------------------------------------------------------------------------

    @Override
    public ShapedLink shapeEgress(String device, String ns, String vm, ShapingSpec spec) {
        DeviceRef d = new DeviceRef(device, ns);
        List<QdiscState> before = qdiscs.get(d);
        if (before == null) throw new IllegalStateException("no device " + device);
        qdiscs.put(d, List.of(new QdiscState("htb", "1:", "root", "{}")));
        shaped.put(d, spec);
        return new ShapedLink(device, ns, before, List.of("1:10"), Optional.empty());
    }

    @Override
    public ShapedLink shapeIngress(String tap, String ns, String vm, ShapingSpec spec) { throw new UnsupportedOperationException("ingress"); }

    @Override
    public void remove(ShapedLink link) {
        DeviceRef d = new DeviceRef(link.device(), link.ns());
        if (qdiscs.containsKey(d)) qdiscs.put(d, link.before());
        shaped.remove(d);
    }

    @Override public List<QdiscState> qdiscs(String device, String ns) { return qdiscs.get(new DeviceRef(device, ns)); }
    @Override public String ifbName(String tap, String ns) { return "vqi" + tap; }
    @Override public ShapingStats stats(String device, String ns) { throw new UnsupportedOperationException("stats"); }

    // ---- IrqAffinity ----------------------------------------------------------------------------------------------

    @Override public String affinity(int irq) { return irqAffinity.getOrDefault(irq, ""); }
    @Override public void setAffinity(int irq, String cpus) { irqAffinity.put(irq, cpus); }
}
