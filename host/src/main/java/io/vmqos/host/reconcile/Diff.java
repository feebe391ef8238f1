package io.vmqos.host.reconcile;

import io.vmqos.core.SchedAttributes;
import io.vmqos.core.desired.DesiredIrq;
import io.vmqos.core.desired.DesiredNapi;
import io.vmqos.core.desired.DesiredPartition;
import io.vmqos.core.desired.DesiredShaping;
import io.vmqos.core.desired.DesiredState;
import io.vmqos.core.desired.DesiredThread;
import io.vmqos.core.desired.DeviceRef;
import io.vmqos.host.PlanRefusedException;
import io.vmqos.host.state.HostRecord;
import io.vmqos.host.state.Owner;
import io.vmqos.host.state.StoredAttrs;
import io.vmqos.linux.net.NapiChange;
import io.vmqos.linux.net.QdiscState;

import java.util.ArrayList;
import java.util.BitSet;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.function.UnaryOperator;

/**
 * The reconcile's diff: from one scope's desired state, the record and the live host to the ordered {@link Step}s
 * that make the host so. The desired state says what the scope wants, the record what vmqos did (with the values
 * before and who wants each change), the live host what is true; a change another scope also holds is shared (its
 * owners grow and shrink; the value before is put back when the last owner lets go), and two scopes wanting different
 * values for one thing is a conflict, refused before anything changes. Changes owned by a kept VM are left alone.
 *
 * <p>Order: record-only edits; shaping and IRQs put back; threads that must change cpuset released (a DEADLINE
 * thread's affinity must cover its root domain at every moment) and moved back; NAPI put back; partitions undone; new
 * partitions; NAPI on; threads moved into partitions; ONE thread transaction for every other attribute change
 * (admission counts what it frees); IRQs steered; shaping put on. Pure apart from building the steps (the adapters are
 * only called when a step runs). Called on the reconcile's thread.
 */
final class Diff {
    private final String scope;
    private final DesiredState desired;
    private final HostRecord record;
    private final Live live;
    private final HostAdapters adapters;
    private final List<String> notes;

    private final List<UnaryOperator<HostRecord>> recordEdits = new ArrayList<>();
    private final List<String> recordWhat = new ArrayList<>();
    private final List<Step> putBack = new ArrayList<>();
    private final List<ThreadsStep.Change> release = new ArrayList<>();
    private final List<Step> movesBack = new ArrayList<>();
    private final List<Step> napiOff = new ArrayList<>();
    private final List<Step> unpartition = new ArrayList<>();
    private final List<Step> partition = new ArrayList<>();
    private final List<Step> napiOn = new ArrayList<>();
    private final List<Step> movesIn = new ArrayList<>();
    private final List<ThreadsStep.Change> threads = new ArrayList<>();
    private final List<Step> steer = new ArrayList<>();
    private final List<Step> shape = new ArrayList<>();

    private Diff(String scope, DesiredState desired, HostRecord record, Live live, HostAdapters adapters, List<String> notes) {
        this.scope = scope;
        this.desired = desired;
        this.record = record;
        this.live = live;
        this.adapters = adapters;
        this.notes = notes;
    }

    /**
     * The steps, in order; empty when the host already is as desired.
     *
     * @param seen the scope's VMs as found now (for the record: a restart shows as a new pid)
     * @param notes receives remarks for people (changes made outside vmqos, threads that exited)
     * @throws PlanRefusedException another scope holds one of these things with another value
     */
    static List<Step> steps(String scope, DesiredState desired, HostRecord record, Live live, Collection<HostRecord.VmEntry> seen,
                            HostAdapters adapters, List<String> notes) {
        Diff d = new Diff(scope, desired, record, live, adapters, notes);
        d.vms(seen);
        d.partitions();
        d.threads();
        d.napi();
        d.irqs();
        d.shaping();
        return d.ordered();
    }

    private List<Step> ordered() {
        List<Step> out = new ArrayList<>();
        if (!recordEdits.isEmpty()) {
            List<UnaryOperator<HostRecord>> edits = List.copyOf(recordEdits);
            out.add(new RecordStep("record: " + String.join(", ", recordWhat), r -> {
                for (UnaryOperator<HostRecord> e : edits) r = e.apply(r);
                return r;
            }));
        }
        out.addAll(putBack);
        // threads whose bandwidth shrinks or goes (and those that must move cpuset) first: before the devices whose
        // threads they are change, and so that admission counts the room they free for the others
        List<ThreadsStep.Change> early = new ArrayList<>(release);
        List<ThreadsStep.Change> late = new ArrayList<>();
        for (ThreadsStep.Change c : threads) {
            if (release.stream().anyMatch(x -> x.live().tid() == c.live().tid())) late.add(c);
            else if (c.target().bandwidth().exceeds(c.live().attrs().bandwidth())) late.add(c);
            else early.add(c);
        }
        if (!early.isEmpty()) out.add(new ThreadsStep("release", early, adapters.reserver(), adapters.partitions()));
        out.addAll(movesBack);
        out.addAll(napiOff);
        out.addAll(unpartition);
        out.addAll(partition);
        out.addAll(napiOn);
        out.addAll(movesIn);
        if (!late.isEmpty()) out.add(new ThreadsStep("reserve", late, adapters.reserver(), adapters.partitions()));
        out.addAll(steer);
        out.addAll(shape);
        return out;
    }

    // ---- owners ---------------------------------------------------------------------------------------------------

    private boolean kept(List<Owner> owners) {
        return owners.stream().anyMatch(o -> o.scope().equals(scope) && desired.kept().contains(o.vm()));
    }

    /** The owners of other scopes; what was recovered from the kernel is taken over by a scope that wants it. */
    private List<Owner> others(List<Owner> owners) {
        return owners.stream().filter(o -> !o.scope().equals(scope) && !o.scope().equals(RECOVERED)).toList();
    }

    static final String RECOVERED = "recovered";

    private List<Owner> wanted(List<Owner> owners, List<String> vms) {
        TreeSet<Owner> out = new TreeSet<>(others(owners));
        for (String vm : vms) out.add(new Owner(scope, vm));
        return List.copyOf(out);
    }

    private void edit(String what, UnaryOperator<HostRecord> e) {
        recordWhat.add(what);
        recordEdits.add(e);
    }

    private static String who(List<Owner> owners) { return String.join(", ", owners.stream().map(Owner::toString).toList()); }

    // ---- VMs ------------------------------------------------------------------------------------------------------

    private void vms(Collection<HostRecord.VmEntry> seen) {
        Set<Owner> now = new TreeSet<>();
        for (HostRecord.VmEntry v : seen) {
            now.add(v.owner());
            if (!record.vm(v.owner()).equals(Optional.of(v))) edit("vm " + v.owner().vm() + " pid " + v.pid(), r -> r.withVm(v));
        }
        for (HostRecord.VmEntry v : record.vms()) {
            if (v.owner().scope().equals(scope) && !now.contains(v.owner()) && !desired.kept().contains(v.owner().vm())) {
                edit("vm " + v.owner().vm() + " gone", r -> r.withoutVm(v.owner()));
            }
        }
    }

    // ---- partitions -----------------------------------------------------------------------------------------------

    private void partitions() {
        List<DesiredPartition> want = desired.partitions();
        for (HostRecord.PartitionEntry p : record.partitions()) {
            boolean mine = p.owners().stream().anyMatch(o -> o.scope().equals(scope));
            List<Owner> others = others(p.owners());
            Optional<DesiredPartition> same = want.stream().filter(w -> w.cpus().equals(p.cpus()) && w.domain().equals(p.domain())).findFirst();
            if (same.isPresent()) {
                List<Owner> owners = wanted(p.owners(), List.of(""));
                if (!live.partitions().containsAll(p.cpus())) {
                    notes.add("the partitions of CPUs " + p.cpus() + " are recorded but not there (made halfway, or removed by hand): made again");
                    partition.add(new PartitionStep(p.withOwners(owners), true, adapters.partitions()));
                } else if (!owners.equals(p.owners())) {
                    edit("partition owners", r -> r.withPartition(p.withOwners(owners)));
                }
                continue;
            }
            for (DesiredPartition w : want) {
                if (!others.isEmpty() && w.domain().stream().anyMatch(p.domain()::contains)) {
                    throw new PlanRefusedException("the CPUs " + w.cpus() + " cannot become partitions: " + who(others) + " already made partitions of CPUs "
                            + p.cpus() + " (fix: give both the same host.cpus and partitioning, or release the other first)");
                }
            }
            if (mine && others.isEmpty()) unpartition.add(new PartitionStep(p, false, adapters.partitions()));
            else if (mine) edit("partition owners", r -> r.withPartition(p.withOwners(others)));
        }
        for (DesiredPartition w : want) {
            if (record.partitions().stream().noneMatch(p -> p.cpus().equals(w.cpus()) && p.domain().equals(w.domain()))) {
                partition.add(new PartitionStep(new HostRecord.PartitionEntry(w.cpus(), w.domain(), null, List.of(new Owner(scope, ""))), true,
                        adapters.partitions()));
            }
        }
    }

    // ---- threads --------------------------------------------------------------------------------------------------

    private void threads() {
        Map<Integer, DesiredThread> want = new TreeMap<>();
        for (DesiredThread t : desired.threads()) want.put(t.tid(), t);
        TreeSet<Integer> tids = new TreeSet<>(want.keySet());
        for (HostRecord.ThreadEntry e : record.threads()) if (e.owners().stream().anyMatch(o -> o.scope().equals(scope))) tids.add(e.tid());
        boolean partitionChanges = !partition.isEmpty() || !unpartition.isEmpty();
        for (int tid : tids) {
            DesiredThread dt = want.get(tid);
            Optional<HostRecord.ThreadEntry> e = record.thread(tid);
            LiveThread lt = live.threads().get(tid);
            boolean reused = lt != null && e.isPresent() && e.get().startTime() >= 0 && e.get().startTime() != lt.startTime();
            if (lt == null || reused) {
                if (e.isPresent()) {
                    notes.add("thread " + tid + " (" + e.get().label() + ") is gone" + (reused ? " (its tid names another thread now)" : "")
                            + ": its record is dropped");
                    edit("thread " + tid + " gone", r -> r.withoutThread(tid));
                }
                if (lt == null || dt == null) continue;
                e = Optional.empty(); // the new thread with that tid, as if never recorded
            }
            if (e.isPresent() && kept(e.get().owners())) continue;
            List<Owner> owners = e.map(HostRecord.ThreadEntry::owners).orElse(List.of());
            List<Owner> others = others(owners);
            if (dt == null) {
                if (!others.isEmpty()) {
                    edit("thread " + tid + " owners", r -> r.thread(tid).map(x -> r.withThread(x.withOwners(others))).orElse(r));
                    continue;
                }
                HostRecord.ThreadEntry x = e.orElseThrow();
                SchedAttributes before = x.before().toAttributes();
                if (x.cpusetApplied() != null) {
                    LiveThread after = lt;
                    if (lt.attrs().isDeadline()) {
                        release.add(new ThreadsStep.Change(lt, before.isDeadline() ? SchedAttributes.other() : before, x.label(), owners));
                        after = new LiveThread(tid, lt.pid(), lt.startTime(), before.isDeadline() ? SchedAttributes.other() : before, lt.cpuset());
                    }
                    movesBack.add(new MoveStep(after, x.cpusetBefore(), true, x.label(), List.of(), adapters.partitions()));
                    if (before.isDeadline()) threads.add(new ThreadsStep.Change(after, before, x.label(), List.of()));
                } else {
                    threads.add(new ThreadsStep.Change(lt, before, x.label(), List.of()));
                }
                continue;
            }
            List<Owner> after = wanted(owners, dt.vms());
            if (!others.isEmpty() && e.isPresent() && !e.get().applied().toAttributes().sameSchedulingAs(dt.attrs())) {
                throw new PlanRefusedException("thread " + tid + " (" + dt.label() + ") is also reserved by " + who(others) + " as "
                        + e.get().applied().toAttributes().describe() + ", not " + dt.attrs().describe()
                        + " (fix: release it there first, e.g. vmqos vm release, or give the VMs threads of their own)");
            }
            if (e.isPresent() && !e.get().applied().toAttributes().sameSchedulingAs(lt.attrs())) {
                notes.add("thread " + tid + " (" + dt.label() + ") was changed outside vmqos: it is " + lt.attrs().describe() + ", vmqos gave it "
                        + e.get().applied().toAttributes().describe());
            }
            String wantCpuset = dt.pinned() ? cpusetOf(dt.cpu(), dt.label())
                    : e.map(HostRecord.ThreadEntry::cpusetBefore).filter(Objects::nonNull).orElse(lt.cpuset());
            boolean move = !wantCpuset.equals(lt.cpuset()) || (partitionChanges && dt.pinned());
            LiveThread now = lt;
            if (move) {
                if (lt.attrs().isDeadline()) {
                    release.add(new ThreadsStep.Change(lt, SchedAttributes.other(), dt.label(), after));
                    now = new LiveThread(tid, lt.pid(), lt.startTime(), SchedAttributes.other(), lt.cpuset());
                }
                if (dt.pinned()) movesIn.add(new MoveStep(now, wantCpuset, false, dt.label(), after, adapters.partitions()));
                else movesBack.add(new MoveStep(now, wantCpuset, true, dt.label(), after, adapters.partitions()));
            }
            boolean attrsDiffer = !now.attrs().sameSchedulingAs(dt.attrs());
            String pinnedTo = dt.pinned() ? wantCpuset : null;
            if (!move && attrsDiffer && pinnedTo != null && dt.attrs().isDeadline() && e.isPresent() && e.get().owners().equals(after)
                    && !arrived(tid, pinnedTo)) {
                continue; // pinned, and asleep since: reserved once it has run there (the reserve step would only wait again)
            }
            boolean recordDiffers = e.isEmpty() || !e.get().owners().equals(after) || !e.get().applied().equals(StoredAttrs.of(dt.attrs()));
            if (attrsDiffer || recordDiffers) threads.add(new ThreadsStep.Change(now, dt.attrs(), dt.label(), after, pinnedTo));
        }
    }

    private boolean arrived(int tid, String cpuset) {
        try {
            return adapters.partitions().arrived(tid, cpuset);
        } catch (RuntimeException gone) {
            return true;
        }
    }

    /** The partition cpuset of {@code cpu}: made by this reconcile, or there already. */
    private String cpusetOf(int cpu, String label) {
        for (Step s : partition) {
            Optional<String> p = ((PartitionStep) s).pathOf(cpu);
            if (p.isPresent()) return p.get();
        }
        return adapters.partitions().partitionOf(cpu).orElseThrow(() -> new PlanRefusedException("CPU " + cpu + " is not a partition of its own, so "
                + label + " cannot be pinned to it (fix: vmqos doctor; the partitions vmqos made may have been removed by hand)"));
    }

    // ---- NAPI -----------------------------------------------------------------------------------------------------

    private void napi() {
        Map<DeviceRef, DesiredNapi> want = new TreeMap<>();
        for (DesiredNapi n : desired.napi()) want.put(n.device(), n);
        TreeSet<DeviceRef> devs = new TreeSet<>(want.keySet());
        for (HostRecord.NapiEntry e : record.napi()) if (e.owners().stream().anyMatch(o -> o.scope().equals(scope))) devs.add(e.device());
        for (DeviceRef dev : devs) {
            DesiredNapi dn = want.get(dev);
            Optional<HostRecord.NapiEntry> e = record.napi(dev);
            NapiChange now = live.napi().get(dev);
            if (now == null) {
                if (e.isPresent()) {
                    notes.add("device " + dev.describe() + " is gone: its NAPI record is dropped");
                    edit("napi " + dev.describe() + " gone", r -> r.withoutNapi(dev));
                }
                continue;
            }
            if (e.isPresent() && kept(e.get().owners())) continue;
            List<Owner> owners = e.map(HostRecord.NapiEntry::owners).orElse(List.of());
            List<Owner> others = others(owners);
            if (dn == null) {
                if (!others.isEmpty()) edit("napi " + dev.describe() + " owners", r -> r.napi(dev).map(x -> r.withNapi(x.withOwners(others))).orElse(r));
                else napiOff.add(new NapiStep(dev, NapiStep.of(e.orElseThrow()), false, List.of(), adapters.napi()));
                continue;
            }
            List<Owner> after = wanted(owners, dn.vms());
            boolean threaded = !"0".equals(now.previousThreaded()) && now.previousGro().isEmpty() && now.previousTso().isEmpty();
            if (e.isEmpty()) napiOn.add(new NapiStep(dev, now, true, after, adapters.napi()));
            else if (!threaded) {
                notes.add("threaded NAPI of " + dev.describe() + " was turned off outside vmqos: turned on again");
                napiOn.add(new NapiStep(dev, NapiStep.of(e.get()), true, after, adapters.napi()));
            } else if (!after.equals(owners)) {
                HostRecord.NapiEntry x = e.get();
                edit("napi " + dev.describe() + " owners", r -> r.withNapi(x.withOwners(after)));
            }
        }
    }

    // ---- IRQs -----------------------------------------------------------------------------------------------------

    private void irqs() {
        Map<Integer, DesiredIrq> want = new TreeMap<>();
        for (DesiredIrq i : desired.irqs()) want.put(i.irq(), i);
        TreeSet<Integer> irqs = new TreeSet<>(want.keySet());
        for (HostRecord.IrqEntry e : record.irqs()) if (e.owners().stream().anyMatch(o -> o.scope().equals(scope))) irqs.add(e.irq());
        for (int irq : irqs) {
            DesiredIrq di = want.get(irq);
            Optional<HostRecord.IrqEntry> e = record.irq(irq);
            String now = live.irqAffinity().getOrDefault(irq, "");
            if (e.isPresent() && kept(e.get().owners())) continue;
            List<Owner> owners = e.map(HostRecord.IrqEntry::owners).orElse(List.of());
            List<Owner> others = others(owners);
            if (di == null) {
                if (!others.isEmpty()) edit("irq " + irq + " owners", r -> r.irq(irq).map(x -> r.withIrq(x.withOwners(others))).orElse(r));
                else putBack.add(new IrqStep(e.orElseThrow(), false, adapters.irqs()));
                continue;
            }
            List<Owner> after = wanted(owners, di.vms());
            if (e.isEmpty()) {
                if (sameCpus(now, di.cpus())) continue;
                steer.add(new IrqStep(new HostRecord.IrqEntry(irq, di.name(), di.device(), now, di.cpus(), after), true, adapters.irqs()));
                continue;
            }
            HostRecord.IrqEntry x = e.get();
            if (!sameCpus(x.applied(), di.cpus()) && !others.isEmpty()) {
                throw new PlanRefusedException("IRQ " + irq + " (" + di.name() + ") is also steered by " + who(others) + " onto CPUs " + x.applied()
                        + ", not " + di.cpus() + " (fix: give the VMs the same CPUs, or release the other first)");
            }
            HostRecord.IrqEntry next = new HostRecord.IrqEntry(irq, x.name(), x.device(), x.previous(), di.cpus(), after);
            if (!sameCpus(now, di.cpus())) steer.add(new IrqStep(next, true, adapters.irqs()));
            else if (!next.equals(x)) edit("irq " + irq, r -> r.withIrq(next));
        }
    }

    private static boolean sameCpus(String a, String b) {
        BitSet x = io.vmqos.core.CpuList.parse(a), y = io.vmqos.core.CpuList.parse(b);
        return x.equals(y);
    }

    // ---- shaping --------------------------------------------------------------------------------------------------

    private void shaping() {
        Map<String, DesiredShaping> want = new TreeMap<>();
        for (DesiredShaping s : desired.shaping()) want.put(key(s.device(), s.direction()), s);
        Map<String, HostRecord.ShapingEntry> have = new TreeMap<>();
        for (HostRecord.ShapingEntry e : record.shaping()) {
            if (e.owners().stream().anyMatch(o -> o.scope().equals(scope)) || want.containsKey(key(e.device(), e.direction()))) {
                have.put(key(e.device(), e.direction()), e);
            }
        }
        TreeSet<String> keys = new TreeSet<>(want.keySet());
        keys.addAll(have.keySet());
        for (String k : keys) {
            DesiredShaping ds = want.get(k);
            HostRecord.ShapingEntry e = have.get(k);
            DeviceRef dev = ds != null ? ds.device() : e.device();
            List<QdiscState> now = live.qdiscs().get(dev);
            if (now == null) {
                if (e != null) {
                    notes.add("device " + dev.describe() + " is gone: its shaping record is dropped");
                    edit("shaping " + dev.describe() + " gone", r -> r.withoutShaping(e.device(), e.direction()));
                }
                continue;
            }
            if (e != null && kept(e.owners())) continue;
            List<Owner> owners = e == null ? List.of() : e.owners();
            List<Owner> others = others(owners);
            if (ds == null) {
                if (!others.isEmpty()) {
                    edit("shaping " + dev.describe() + " owners", r -> r.withShaping(withOwners(e, others)));
                } else {
                    putBack.add(new ShapeStep(e, false, "", adapters.shaper()));
                }
                continue;
            }
            List<Owner> after = wanted(owners, List.of(ds.vm()));
            boolean sameSpec = e != null && e.rateBits() == ds.spec().rateBits() && e.ceilBits() == ds.spec().ceilBits() && e.burstBytes() == ds.spec().burstBytes();
            if (e != null && !sameSpec && !others.isEmpty()) {
                throw new PlanRefusedException("device " + dev.describe() + " is also shaped by " + who(others) + " (fix: release it there first)");
            }
            // egress: vmqos's HTB at the root of the device; ingress: the ingress qdisc that redirects to the ifb
            boolean present = e != null && (DesiredShaping.EGRESS.equals(e.direction())
                    ? now.stream().anyMatch(q -> q.isRoot() && "htb".equals(q.kind()) && "1:".equals(q.handle()))
                    : now.stream().anyMatch(q -> "ingress".equals(q.kind())));
            if (e != null && sameSpec && present) {
                if (!after.equals(owners)) edit("shaping " + dev.describe() + " owners", r -> r.withShaping(withOwners(e, after)));
                continue;
            }
            List<QdiscState> before = now;
            if (e != null) {
                if (present || !sameSpec) putBack.add(new ShapeStep(e, false, ds.vm(), adapters.shaper()));
                else notes.add("the shaping of " + dev.describe() + " was removed outside vmqos: put on again");
                before = e.before();
            }
            String ifb = DesiredShaping.INGRESS.equals(ds.direction()) ? adapters.shaper().ifbName(dev.name(), dev.ns()) : null;
            HostRecord.ShapingEntry next = new HostRecord.ShapingEntry(dev, ds.direction(), ds.spec().rateBits(), ds.spec().ceilBits(),
                    ds.spec().burstBytes(), before, List.of(io.vmqos.linux.net.LinkShaper.TAP_CLASS_ID), ifb, after);
            shape.add(new ShapeStep(next, true, ds.vm(), adapters.shaper()));
        }
    }

    private static HostRecord.ShapingEntry withOwners(HostRecord.ShapingEntry e, List<Owner> o) {
        return new HostRecord.ShapingEntry(e.device(), e.direction(), e.rateBits(), e.ceilBits(), e.burstBytes(), e.before(), e.classIds(), e.ifb(), o);
    }

    private static String key(DeviceRef d, String direction) { return (d.ns() == null ? "" : d.ns()) + "/" + d.name() + "/" + direction; }
}
