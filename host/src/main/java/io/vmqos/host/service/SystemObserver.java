package io.vmqos.host.service;

import io.vmqos.core.CpuBandwidth;
import io.vmqos.core.CpuList;
import io.vmqos.core.SchedAttributes;
import io.vmqos.core.config.HostConfig;
import io.vmqos.core.config.VmConfig;
import io.vmqos.core.desired.DesiredState;
import io.vmqos.core.desired.DeviceRef;
import io.vmqos.core.net.NetDevice;
import io.vmqos.core.net.VmNetwork;
import io.vmqos.core.observed.DomainFacts;
import io.vmqos.core.observed.HeldThread;
import io.vmqos.core.observed.KernelFacts;
import io.vmqos.core.observed.ObservedVm;
import io.vmqos.core.vm.VmThread;
import io.vmqos.core.vm.VmThreads;
import io.vmqos.host.VmFinder;
import io.vmqos.host.reconcile.Live;
import io.vmqos.host.reconcile.LiveThread;
import io.vmqos.host.state.HostRecord;
import io.vmqos.linux.CpuPartitions;
import io.vmqos.linux.DeadlineLedger;
import io.vmqos.linux.DeadlineThread;
import io.vmqos.linux.KernelParameters;
import io.vmqos.linux.LedgerSnapshot;
import io.vmqos.linux.ProcFs;
import io.vmqos.linux.RootDomainLedger;
import io.vmqos.linux.SchedException;
import io.vmqos.linux.ThreadScheduler;
import io.vmqos.linux.net.IrqAffinity;
import io.vmqos.linux.net.NapiChange;
import io.vmqos.linux.net.NetException;
import io.vmqos.linux.net.PathDiscovery;
import io.vmqos.linux.net.QdiscState;
import io.vmqos.linux.net.Shaper;
import io.vmqos.qemu.QmpException;
import io.vmqos.qemu.VmDiscoveryException;

import java.util.ArrayList;
import java.util.BitSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * Reads what the policy and the diff need from the host, read-only: the configured VMs' threads and network paths,
 * the kernel's deadline ledger as {@link KernelFacts} (with vmqos's own per-CPU partitions folded back into the root
 * domain they were made from, so a partitioned host plans the same as before), and the live state of every thread,
 * device and IRQ a reconcile touches. Called on the reconcile's thread; every call is a fresh snapshot.
 */
public final class SystemObserver implements HostObserver {
    private final VmFinder finder;
    private final PathDiscovery paths;
    private final ProcFs proc;
    private final ThreadScheduler scheduler;
    private final DeadlineLedger ledger;
    private final KernelParameters params;
    private final io.vmqos.linux.net.NapiControl napi;
    private final Shaper shaper;
    private final IrqAffinity irqs;
    private final CpuPartitions partitions;

    public SystemObserver(VmFinder finder, PathDiscovery paths, ProcFs proc, ThreadScheduler scheduler, DeadlineLedger ledger, KernelParameters params,
                        io.vmqos.linux.net.NapiControl napi, Shaper shaper, IrqAffinity irqs, CpuPartitions partitions) {
        this.finder = finder;
        this.paths = paths;
        this.proc = proc;
        this.scheduler = scheduler;
        this.ledger = ledger;
        this.params = params;
        this.napi = napi;
        this.shaper = shaper;
        this.irqs = irqs;
        this.partitions = partitions;
    }

    @Override
    public java.util.OptionalInt pidOf(io.vmqos.core.config.VmLocator locator) { return finder.pidOf(locator); }

    @Override
    public List<Object> identity(io.vmqos.core.config.VmLocator locator) {
        java.util.OptionalInt pid = finder.pidOf(locator);
        if (pid.isEmpty()) return List.of();
        int p = pid.getAsInt();
        return List.of(p, proc.startTime(p).orElse(-1L), proc.threadsOf(p));
    }

    @Override
    public Optional<SchedAttributes> scheduling(int tid) { return scheduler.find(tid); }

    /** Finds every VM of the configuration (a VM that cannot be found is listed with the reason, not thrown). */
    @Override
    public VmsSeen vms(HostConfig cfg) {
        Map<String, ObservedVm> running = new TreeMap<>();
        Map<String, String> notRunning = new TreeMap<>();
        Map<String, String> unobservable = new TreeMap<>();
        List<String> notes = new ArrayList<>();
        for (VmConfig vm : cfg.vms()) {
            try {
                running.put(vm.name(), observe(vm.name(), finder.find(vm.locator()), vm.needsNetworkPath()));
            } catch (VmDiscoveryException.NoThreadNames | QmpException.Timeout | QmpException.CommandFailed | QmpException.ConnectionClosed e) {
                unobservable.put(vm.name(), e.getMessage());
            } catch (QmpException.NotQmp e) {
                boolean gone = vm.locator() instanceof io.vmqos.core.config.VmLocator.Qmp q
                        && (!java.nio.file.Files.exists(java.nio.file.Path.of(q.path())) || e.getMessage().contains("refused"));
                (gone ? notRunning : unobservable).put(vm.name(), e.getMessage());
            } catch (VmDiscoveryException | QmpException e) {
                notRunning.put(vm.name(), e.getMessage());
            }
        }
        List<NetDevice> nics = new ArrayList<>();
        for (String n : cfg.host().nics()) {
            try {
                nics.add(paths.device(n, null));
            } catch (RuntimeException e) {
                notes.add("host.nics: " + n + " cannot be read (" + e.getMessage() + "): its NAPI threads are not reserved");
            }
        }
        return new VmsSeen(running, notRunning, unobservable, nics, notes);
    }

    /** One VM's threads, network path and CPUs. A VM without a tap has an empty network. */
    @Override
    public ObservedVm observe(String name, VmThreads threads) { return observe(name, threads, true); }

    /** {@link #observe(String, VmThreads)}, its network path looked up only when {@code network}. */
    ObservedVm observe(String name, VmThreads threads, boolean network) {
        VmNetwork net = new VmNetwork(name, List.of(), List.of(), List.of());
        if (network) {
            try {
                net = paths.discover(threads.pid(), name);
            } catch (NetException e) {
                // no path to read: an empty network
            }
        }
        BitSet cpus = new BitSet();
        for (VmThread t : threads.threads()) proc.cpusAllowed(t.tid()).ifPresent(l -> cpus.or(CpuList.parse(l)));
        return new ObservedVm(name, threads, net, cpus, proc.startTime(threads.pid()).orElse(-1L));
    }

    /**
     * The ledger as the policy plans with it. Root domains that are vmqos partitions of one domain (and that domain's
     * rest) are folded back into that domain, with the threads pinned to each CPU.
     */
    @Override
    public KernelFacts facts(HostRecord record) {
        // one read, without the confirming re-read of an inconsistent snapshot: the plan is checked again by the kernel's
        // admission (and the Reserver's) when it is applied, and a reconcile must not wait 100 ms for a settle
        LedgerSnapshot s = ledger.readOnce();
        long period = params.rtPeriodUs() * 1_000;
        long runtime = params.rtRuntimeUs() < 0 ? period : params.rtRuntimeUs() * 1_000;
        List<DomainFacts> domains = new ArrayList<>();
        List<RootDomainLedger> left = new ArrayList<>(s.domains());
        for (HostRecord.PartitionEntry p : record.partitions()) {
            List<RootDomainLedger> parts = new ArrayList<>();
            for (RootDomainLedger d : left) if (p.domain().containsAll(d.cpus())) parts.add(d);
            if (parts.isEmpty()) continue;
            left.removeAll(parts);
            domains.add(domain(parts));
        }
        for (RootDomainLedger d : left) domains.add(domain(List.of(d)));
        domains.sort(java.util.Comparator.comparing(d -> d.cpus().first()));
        return new KernelFacts(domains, params.limits(), runtime, period);
    }

    private DomainFacts domain(List<RootDomainLedger> parts) {
        TreeSet<Integer> cpus = new TreeSet<>();
        CpuBandwidth counted = CpuBandwidth.ZERO;
        SortedMap<Integer, CpuBandwidth> servers = new TreeMap<>();
        List<HeldThread> threads = new ArrayList<>();
        for (RootDomainLedger d : parts) {
            cpus.addAll(d.cpus());
            counted = counted.plus(d.held());
            for (int c : d.cpus()) servers.put(c, CpuBandwidth.ofKernelUnits(d.serversTotal().kernelUnits() / d.cpus().size()));
            for (DeadlineThread t : d.threads()) {
                int pinned = -1;
                Optional<String> allowed = proc.cpusAllowed(t.tid());
                if (allowed.isPresent()) {
                    BitSet b = CpuList.parse(allowed.get());
                    if (b.cardinality() == 1) pinned = b.nextSetBit(0);
                }
                threads.add(new HeldThread(t.tid(), t.bandwidth(), pinned));
            }
        }
        BitSet b = new BitSet();
        cpus.forEach(b::set);
        return new DomainFacts(CpuList.format(b), cpus, counted, servers, threads);
    }

    /** The live state of everything the desired state and the record name. */
    @Override
    public Live live(DesiredState desired, HostRecord record) {
        Map<Integer, LiveThread> threads = Live.threadsOf(desired, record, this::thread);
        TreeSet<DeviceRef> devs = new TreeSet<>();
        desired.napi().forEach(n -> devs.add(n.device()));
        record.napi().forEach(n -> devs.add(n.device()));
        Map<DeviceRef, NapiChange> napiNow = new LinkedHashMap<>();
        for (DeviceRef d : devs) {
            try {
                napiNow.put(d, napi.settings(d.name(), d.ns()));
            } catch (RuntimeException gone) {
                // the device is gone: nothing to put back
            }
        }
        TreeSet<Integer> irqNumbers = new TreeSet<>();
        desired.irqs().forEach(i -> irqNumbers.add(i.irq()));
        record.irqs().forEach(i -> irqNumbers.add(i.irq()));
        Map<Integer, String> affinity = new LinkedHashMap<>();
        for (int irq : irqNumbers) affinity.put(irq, irqs.affinity(irq));
        TreeSet<DeviceRef> shaped = new TreeSet<>();
        desired.shaping().forEach(s -> shaped.add(s.device()));
        record.shaping().forEach(s -> shaped.add(s.device()));
        Map<DeviceRef, List<QdiscState>> qdiscs = new LinkedHashMap<>();
        for (DeviceRef d : shaped) {
            try {
                qdiscs.put(d, shaper.qdiscs(d.name(), d.ns()));
            } catch (RuntimeException gone) {
                // the device is gone
            }
        }
        TreeSet<Integer> parts = new TreeSet<>();
        partitions.list().values().forEach(b -> b.stream().forEach(parts::add));
        return new Live(threads, napiNow, affinity, parts, qdiscs);
    }

    /** A thread now, or empty when it is gone. */
    @Override
    public Optional<LiveThread> thread(int tid) {
        try {
            SchedAttributes a = scheduler.get(tid);
            Optional<Long> start = proc.startTime(tid);
            Optional<Integer> pid = proc.tgid(tid);
            if (start.isEmpty() || pid.isEmpty()) return Optional.empty();
            return Optional.of(new LiveThread(tid, pid.get(), start.get(), a, partitions.cpusetOf(tid)));
        } catch (SchedException.ThreadGone gone) {
            return Optional.empty();
        }
    }

    /** The live DEADLINE threads the ledger counts. */
    @Override
    public List<DeadlineThread> ledgerThreads() { return ledger.read().threads(); }

    /** True when {@code pid} is a QEMU process. */
    @Override
    public boolean isQemu(int pid) {
        try {
            io.vmqos.qemu.VmDiscovery.requireQemu(pid);
            return true;
        } catch (VmDiscoveryException e) {
            return false;
        }
    }

    /** The online CPUs. */
    @Override
    public BitSet onlineCpus() {
        BitSet b = new BitSet();
        for (RootDomainLedger d : ledger.read().domains()) d.cpus().forEach(b::set);
        return b;
    }

}
