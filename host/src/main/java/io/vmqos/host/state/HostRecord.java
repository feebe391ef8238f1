package io.vmqos.host.state;

import io.vmqos.core.desired.DeviceRef;
import io.vmqos.linux.net.QdiscState;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.SortedSet;
import java.util.TreeSet;
import java.util.function.Function;

/**
 * The host's state in the kubelet CPU manager's sense: one record of every change vmqos made on this host, for every
 * command alike, each with the value before it so that it can be put back exactly, and who still wants it
 * ({@link Owner}s). Written by the reconcile executor BEFORE each change (so no thread, device or cpuset is ever
 * changed without a record of it, even after {@code kill -9}), and updated after each change is undone.
 *
 * <p>The kernel is the truth and the record a hint: an entry whose thread is gone (or whose tid now names another
 * thread: {@code startTime} differs) holds nothing and is dropped; an entry whose live value differs from
 * {@code applied} was changed by someone else, which the reconcile reports and corrects.
 *
 * <p>Immutable value; lists are kept sorted by their keys so equal records serialise equally (the store checksums
 * them). Jackson reads and writes it ({@link RecordStore}).
 *
 * @param version the format version ({@link #VERSION})
 * @param generation incremented by every write, for people and for tests
 */
public record HostRecord(int version, long generation, List<VmEntry> vms, List<ThreadEntry> threads, List<NapiEntry> napi,
                         List<IrqEntry> irqs, List<PartitionEntry> partitions, List<ShapingEntry> shaping) {
    public static final int VERSION = 1;

    public HostRecord {
        vms = sorted(vms, Comparator.comparing(VmEntry::owner));
        threads = sorted(threads, Comparator.comparingInt(ThreadEntry::tid));
        napi = sorted(napi, Comparator.comparing(NapiEntry::device));
        irqs = sorted(irqs, Comparator.comparingInt(IrqEntry::irq));
        partitions = sorted(partitions, Comparator.comparing(p -> p.cpus().toString()));
        shaping = sorted(shaping, Comparator.comparing(ShapingEntry::device).thenComparing(ShapingEntry::direction));
    }

    public static HostRecord empty() { return new HostRecord(VERSION, 0, List.of(), List.of(), List.of(), List.of(), List.of(), List.of()); }

    /** True when vmqos holds nothing on the host. */
    public boolean isEmpty() {
        return vms.isEmpty() && threads.isEmpty() && napi.isEmpty() && irqs.isEmpty() && partitions.isEmpty() && shaping.isEmpty();
    }

    /** The same record, one generation on. */
    public HostRecord nextGeneration() { return new HostRecord(VERSION, generation + 1, vms, threads, napi, irqs, partitions, shaping); }

    // ---- entries --------------------------------------------------------------------------------------------------

    /**
     * A VM some scope manages, as last seen: what the agent compares with to notice a restart (new pid) or a pid
     * reused by another program (same pid, other start time).
     *
     * @param startTime the QEMU process's start time in clock ticks since boot ({@code /proc/PID/stat} field 22)
     * @param locator how it is found, for people (e.g. {@code qmp /run/web1.qmp})
     */
    public record VmEntry(Owner owner, int pid, long startTime, String locator) {}

    /**
     * A thread vmqos changed.
     *
     * @param pid the process it belongs to (its tgid; a kernel thread is its own)
     * @param startTime its start time in clock ticks since boot ({@code /proc/TID/stat} field 22): a tid that names a
     *     thread with another start time is another thread, which vmqos never touches
     * @param before its attributes before vmqos, put back when the last owner lets go
     * @param applied the attributes vmqos gave it
     * @param cpusetBefore the cpuset it was in before vmqos moved it into a partition, or null when not moved
     * @param cpusetApplied the partition cpuset vmqos moved it into, or null
     */
    public record ThreadEntry(int tid, int pid, long startTime, String label, StoredAttrs before, StoredAttrs applied,
                              String cpusetBefore, String cpusetApplied, List<Owner> owners) {
        public ThreadEntry {
            owners = sorted(owners, Comparator.naturalOrder());
        }

        public ThreadEntry withOwners(List<Owner> o) { return new ThreadEntry(tid, pid, startTime, label, before, applied, cpusetBefore, cpusetApplied, o); }

        public ThreadEntry withApplied(StoredAttrs a, String cpuset) {
            return new ThreadEntry(tid, pid, startTime, label, before, a, cpusetBefore, cpuset, owners);
        }
    }

    /** A device on which vmqos turned threaded NAPI on, with its previous {@code threaded}, GRO and TSO (null: left alone). */
    public record NapiEntry(DeviceRef device, String previousThreaded, Boolean previousGro, Boolean previousTso, List<Owner> owners) {
        public NapiEntry {
            owners = sorted(owners, Comparator.naturalOrder());
        }

        public NapiEntry withOwners(List<Owner> o) { return new NapiEntry(device, previousThreaded, previousGro, previousTso, o); }
    }

    /** An IRQ vmqos moved: its affinity before ({@code smp_affinity_list}) and the one it gave it. */
    public record IrqEntry(int irq, String name, DeviceRef device, String previous, String applied, List<Owner> owners) {
        public IrqEntry {
            owners = sorted(owners, Comparator.naturalOrder());
        }

        public IrqEntry withOwners(List<Owner> o) { return new IrqEntry(irq, name, device, previous, applied, o); }
    }

    /**
     * Per-CPU root domains vmqos made for partitioned EDF.
     *
     * @param cpus the CPUs made their own root domains
     * @param domain the root domain they were split from
     * @param change what was changed, as the cpuset adapter needs it to undo exactly (JSON); null while the change is
     *     being made (a crash then: the adapter undoes what it finds of its own)
     */
    public record PartitionEntry(SortedSet<Integer> cpus, SortedSet<Integer> domain, String change, List<Owner> owners) {
        public PartitionEntry {
            cpus = java.util.Collections.unmodifiableSortedSet(new TreeSet<>(cpus));
            domain = java.util.Collections.unmodifiableSortedSet(new TreeSet<>(domain == null ? cpus : domain));
            owners = sorted(owners, Comparator.naturalOrder());
        }

        public PartitionEntry withOwners(List<Owner> o) { return new PartitionEntry(cpus, domain, change, o); }

        public PartitionEntry withChange(String c) { return new PartitionEntry(cpus, domain, c, owners); }
    }

    /**
     * tc shaping vmqos put on a device.
     *
     * @param direction {@code egress} (towards the VM on its tap) or {@code ingress} (from the VM, through {@code ifb})
     * @param before the device's qdiscs before, as configuration
     * @param classIds the HTB classes vmqos made
     * @param ifb the ifb device vmqos made for ingress shaping, or null
     */
    public record ShapingEntry(DeviceRef device, String direction, long rateBits, long ceilBits, long burstBytes,
                               List<QdiscState> before, List<String> classIds, String ifb, List<Owner> owners) {
        public ShapingEntry {
            before = before == null ? List.of() : List.copyOf(before);
            classIds = classIds == null ? List.of() : List.copyOf(classIds);
            owners = sorted(owners, Comparator.naturalOrder());
        }
    }

    // ---- lookups and edits ----------------------------------------------------------------------------------------

    public Optional<ThreadEntry> thread(int tid) { return threads.stream().filter(t -> t.tid() == tid).findFirst(); }

    public Optional<NapiEntry> napi(DeviceRef d) { return napi.stream().filter(n -> n.device().equals(d)).findFirst(); }

    public Optional<IrqEntry> irq(int irq) { return irqs.stream().filter(i -> i.irq() == irq).findFirst(); }

    public Optional<ShapingEntry> shaping(DeviceRef d, String direction) {
        return shaping.stream().filter(s -> s.device().equals(d) && s.direction().equals(direction)).findFirst();
    }

    public Optional<VmEntry> vm(Owner owner) { return vms.stream().filter(v -> v.owner().equals(owner)).findFirst(); }

    public HostRecord withThread(ThreadEntry e) { return with(replace(threads, e, ThreadEntry::tid), null, null, null, null, null); }

    public HostRecord withoutThread(int tid) { return with(remove(threads, tid, ThreadEntry::tid), null, null, null, null, null); }

    public HostRecord withNapi(NapiEntry e) { return with(null, replace(napi, e, NapiEntry::device), null, null, null, null); }

    public HostRecord withoutNapi(DeviceRef d) { return with(null, remove(napi, d, NapiEntry::device), null, null, null, null); }

    public HostRecord withIrq(IrqEntry e) { return with(null, null, replace(irqs, e, IrqEntry::irq), null, null, null); }

    public HostRecord withoutIrq(int irq) { return with(null, null, remove(irqs, irq, IrqEntry::irq), null, null, null); }

    public HostRecord withPartition(PartitionEntry e) { return with(null, null, null, replace(partitions, e, p -> p.cpus().toString()), null, null); }

    public HostRecord withoutPartition(SortedSet<Integer> cpus) {
        return with(null, null, null, remove(partitions, cpus.toString(), p -> p.cpus().toString()), null, null);
    }

    public HostRecord withShaping(ShapingEntry e) {
        return with(null, null, null, null, replace(shaping, e, s -> s.device().describe() + "|" + s.direction()), null);
    }

    public HostRecord withoutShaping(DeviceRef d, String direction) {
        return with(null, null, null, null, remove(shaping, d.describe() + "|" + direction, s -> s.device().describe() + "|" + s.direction()), null);
    }

    public HostRecord withVm(VmEntry e) { return with(null, null, null, null, null, replace(vms, e, VmEntry::owner)); }

    public HostRecord withoutVm(Owner o) { return with(null, null, null, null, null, remove(vms, o, VmEntry::owner)); }

    /** Every owner of any entry whose scope is {@code scope}. */
    public SortedSet<Owner> ownersIn(String scope) {
        TreeSet<Owner> out = new TreeSet<>();
        threads.forEach(t -> t.owners().stream().filter(o -> o.scope().equals(scope)).forEach(out::add));
        napi.forEach(t -> t.owners().stream().filter(o -> o.scope().equals(scope)).forEach(out::add));
        irqs.forEach(t -> t.owners().stream().filter(o -> o.scope().equals(scope)).forEach(out::add));
        partitions.forEach(t -> t.owners().stream().filter(o -> o.scope().equals(scope)).forEach(out::add));
        shaping.forEach(t -> t.owners().stream().filter(o -> o.scope().equals(scope)).forEach(out::add));
        vms.stream().map(VmEntry::owner).filter(o -> o.scope().equals(scope)).forEach(out::add);
        return out;
    }

    private HostRecord with(List<ThreadEntry> t, List<NapiEntry> n, List<IrqEntry> i, List<PartitionEntry> p, List<ShapingEntry> s,
                            List<VmEntry> v) {
        return new HostRecord(VERSION, generation, v != null ? v : vms, t != null ? t : threads, n != null ? n : napi, i != null ? i : irqs,
                p != null ? p : partitions, s != null ? s : shaping);
    }

    private static <E, K> List<E> replace(List<E> list, E e, Function<E, K> key) {
        List<E> out = new ArrayList<>(list.size() + 1);
        K k = key.apply(e);
        for (E x : list) if (!key.apply(x).equals(k)) out.add(x);
        out.add(e);
        return out;
    }

    private static <E, K> List<E> remove(List<E> list, K k, Function<E, K> key) {
        List<E> out = new ArrayList<>(list.size());
        for (E x : list) if (!key.apply(x).equals(k)) out.add(x);
        return out;
    }

    private static <E> List<E> sorted(List<E> list, Comparator<? super E> order) {
        if (list == null) return List.of();
        List<E> out = new ArrayList<>(list);
        out.sort(order);
        return List.copyOf(out);
    }
}
