package io.vmqos.analysis;

import io.vmqos.core.CostModel;
import io.vmqos.core.CpuList;
import io.vmqos.core.CpuBandwidth;
import io.vmqos.core.HostCapacity;
import io.vmqos.core.HostPlan;
import io.vmqos.core.InvalidInputException;
import io.vmqos.core.NetworkSla;
import io.vmqos.core.Placement;
import io.vmqos.core.Refusal;
import io.vmqos.core.Reservation;
import io.vmqos.core.RootDomain;
import io.vmqos.core.SchedAttributes;
import io.vmqos.core.StageKind;
import io.vmqos.core.StageReservation;
import io.vmqos.core.VmPlan;
import io.vmqos.core.VmRequest;
import io.vmqos.core.config.HostConfig;
import io.vmqos.core.config.VmConfig;
import io.vmqos.core.desired.DesiredIrq;
import io.vmqos.core.desired.DesiredNapi;
import io.vmqos.core.desired.DesiredPartition;
import io.vmqos.core.desired.DesiredShaping;
import io.vmqos.core.desired.DesiredState;
import io.vmqos.core.desired.DesiredThread;
import io.vmqos.core.desired.DeviceRef;
import io.vmqos.core.net.Irq;
import io.vmqos.core.net.KernelThread;
import io.vmqos.core.net.NetDevice;
import io.vmqos.core.net.TapRef;
import io.vmqos.core.observed.DomainFacts;
import io.vmqos.core.observed.HeldThread;
import io.vmqos.core.observed.KernelFacts;
import io.vmqos.core.observed.ObservedVm;
import io.vmqos.core.vm.VmThread;

import java.util.ArrayList;
import java.util.BitSet;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * The whole policy of a host configuration: from the configuration, what the kernel shows and the VMs' discovered
 * threads and paths to ONE {@link DesiredState}: every thread's scheduling attributes and pinning, the NAPI settings,
 * IRQ affinity, per-CPU partitions and tc shaping. Pure, deterministic (equal inputs give equal states) and
 * thread-safe; it is what {@code vmqos plan} prints and what {@code apply -f}, {@code release -f} and the agent
 * reconcile the host to.
 *
 * <p><b>Capacity.</b> The kernel's root domains within {@code host.cpus} (which must cover whole domains), each
 * holding what the kernel counts less what this configuration's own VMs (and the NAPI threads on their paths) hold
 * now, so planning again after an apply gives the same plan. Frozen VMs are not this configuration's: what they hold
 * counts as held by others.
 *
 * <p><b>Plans.</b> VMs with an SLA and a cost model are sized and admitted by {@link Planner}; VMs planned from
 * explicit reservations only are admitted first with {@link Admission} and count as held for the others.
 *
 * <p><b>Stages to threads.</b> Each stage's reservation goes to every thread whose role maps to it
 * ({@link io.vmqos.core.vm.ThreadRole#stage()}); the napi stage to the NAPI and IRQ threads on the VM's path (tap →
 * bridge → ports, veth peers) and on {@code host.nics}. A NAPI thread several VMs cross gets ONE reservation that keeps
 * every VM's own napi guarantee ({@link SharedThreadSizing}; the sum of explicit reservations when not sized).
 *
 * <p><b>Network.</b> For every admitted VM with a napi stage, the NAPI of each polling device on its path and of the
 * host NICs runs threaded (so that it has threads to reserve); its IRQs are moved onto the CPUs its threads run on
 * when their affinity reaches other CPUs; {@code vms[].shaping} shapes each of the VM's taps (traffic towards the VM).
 *
 * <p><b>Adaptive.</b> The threads of a VM with {@code adaptive: true} are planned and admitted at their floors (the
 * sized or explicit reservation); the runtime the agent's feedback loop asks for each ({@link PlanHints#budgets}) is
 * granted within the thread's ceiling and the headroom the floors leave ({@link BudgetFit}), and the bounds are part of
 * the desired state ({@link DesiredState#adaptive}).
 *
 * <p><b>Partitioned.</b> With {@code host.partitioned}, every thread is placed on a CPU of its own choosing
 * (first-fit decreasing by density, every thread of a stage on its own), pinned to it, and those CPUs become root
 * domains of their own; the last CPU of each root domain of several stays the host's (load balanced, unpartitioned).
 */
public final class HostPolicy {
    private HostPolicy() {}

    /**
     * The desired state of the configuration.
     *
     * @throws InvalidInputException {@code host.cpus} splits a root domain or names no online CPU, an explicit
     *     reservation names a stage the cost model lacks, or a thread would belong to two VMs
     */
    public static DesiredState desired(PolicyInput in) {
        HostConfig cfg = in.config();
        List<VmConfig> vms = new ArrayList<>(cfg.vms());
        vms.sort(Comparator.comparing(VmConfig::name));
        List<String> notes = new ArrayList<>();

        Set<Integer> ours = new HashSet<>();
        Map<String, List<NetDevice>> devices = new LinkedHashMap<>();
        for (VmConfig vm : vms) {
            if (in.frozen().contains(vm.name())) continue;
            ObservedVm ov = in.running().get(vm.name());
            if (ov == null) continue;
            for (VmThread t : ov.threads().threads()) ours.add(t.tid());
            List<NetDevice> d = pathDevices(ov, in.hostNics());
            devices.put(vm.name(), d);
            for (NetDevice x : d) for (KernelThread k : x.packetThreads()) ours.add(k.pid());
        }
        HostCapacity capacity = capacity(cfg, in.facts(), ours);
        SizingPolicy sizing = SizingPolicy.DEFAULT.withOverhead(cfg.overheadPerActivationNs());
        Sizer sizer = new Sizer(in.facts().limits(), sizing);

        List<VmRequest> sized = new ArrayList<>();
        List<VmPlan> fixed = new ArrayList<>();
        Set<String> unsized = new TreeSet<>();
        for (VmConfig vm : vms) {
            if (in.frozen().contains(vm.name())) {
                notes.add("vm " + vm.name() + ": kept as it is (its previous reservations stay in place)");
                continue;
            }
            Optional<NetworkSla> sla = vm.sizingSla();
            Optional<CostModel> own = Optional.ofNullable(in.hints().costModels().get(vm.name()));
            Optional<CostModel> costs = own.isEmpty() ? in.costs() : Optional.of(in.costs().map(h -> h.overriddenBy(own.get())).orElse(own.get())); // its own stages over the host's
            if (costs.isPresent() && sla.isPresent()) {
                for (StageKind k : vm.explicit().keySet()) {
                    if (!costs.get().kinds().contains(k)) {
                        throw new InvalidInputException("vms." + vm.name() + ".reservations." + stageName(k), "the cost model has no " + stageName(k) + " stage",
                                "remove this reservation or add the stage's cost to the cost model (vmqos calibrate)");
                    }
                }
                sized.add(new VmRequest(vm.name(), sla.get(), costs.get(), vm.explicit(), null, threadCounts(in, vm.name())));
            } else {
                if (sla.isPresent()) {
                    notes.add("vm " + vm.name() + ": no cost model, so the SLA is not checked: only its explicit reservations ("
                            + String.join(", ", vm.explicit().keySet().stream().map(HostPolicy::stageName).toList()) + ") are planned");
                } else if (costs.isPresent()) {
                    notes.add("vm " + vm.name() + ": no SLA: only its explicit reservations are planned");
                }
                unsized.add(vm.name());
                fixed.add(fixedPlan(vm, sla.orElse(null), cfg.overheadPerActivationNs()).withThreads(threadCounts(in, vm.name())));
            }
        }
        HostPlan plan = planAll(capacity, sizer, sized, fixed);

        Desired out = new Desired();
        Map<Integer, String> owner = new HashMap<>();
        Map<String, Placement> placed = new HashMap<>();
        Map<Integer, String> domainOf = new HashMap<>();
        for (Placement p : plan.placements()) placed.put(p.vm() + "/" + p.stage() + "/" + p.thread(), p);
        for (VmPlan vp : plan.vms()) {
            ObservedVm ov = in.running().get(vp.vm());
            if (ov == null) continue;
            for (StageReservation s : vp.stages()) {
                if (s.stage() == StageKind.NAPI) {
                    if (packetThreads(devices.get(vp.vm())).isEmpty() && napiDevices(devices.get(vp.vm())).isEmpty()) {
                        notes.add("vm " + vp.vm() + ": napi stage: no NAPI threads discovered for VM (no polling device on its path)");
                    }
                    continue; // a NAPI thread may carry several VMs: sized below, once for all of them
                }
                List<VmThread> threads = ov.threads().threads().stream().filter(t -> t.role().stage().orElse(null) == s.stage()).toList();
                if (threads.isEmpty()) notes.add("vm " + vp.vm() + ": " + stageName(s.stage()) + " stage: the VM has no such thread; nothing reserved for it");
                int index = 0;
                for (VmThread t : threads) {
                    Placement p = placed.get(vp.vm() + "/" + s.stage() + "/" + Math.min(index++, s.threads() - 1));
                    if (p != null) domainOf.put(t.tid(), p.rootDomain());
                    String prev = owner.putIfAbsent(t.tid(), vp.vm() + " " + stageName(s.stage()));
                    if (prev != null) {
                        throw new InvalidInputException("vms." + vp.vm() + "." + stageName(s.stage()), "thread " + t.tid() + " (" + t.name()
                                + ") is also planned as " + prev, "give each VM its own threads (check the VM locators)");
                    }
                    out.threads.add(new DesiredThread(t.tid(), ov.threads().pid(), List.of(vp.vm()), vp.vm() + " " + t.name(),
                            SchedAttributes.deadline(s.reservation(), reclaims(cfg, in, vp.vm(), t.tid())), p != null && p.pinned() ? p.cpu() : DesiredThread.ANY_CPU));
                }
            }
        }
        napi(in, cfg, plan, devices, placed, owner, out, notes);
        network(in, cfg, plan, devices, capacity, out);
        BudgetFit.Granted granted = BudgetFit.grant(out.threads, cfg, in.hints(), capacity, plan, domainOf);
        List<DesiredThread> threads = granted.threads();
        notes.sort(Comparator.naturalOrder());
        return new DesiredState(threads, out.napi, out.irqs, partitions(threads, capacity), out.shaping, in.frozen(), plan, unsized, notes, granted.bounds());
    }

    /**
     * SCHED_FLAG_RECLAIM for a thread of a VM with {@code reclaim: true}, unless the agent suspended it (the thread took
     * more than its ceiling); none otherwise.
     */
    private static Set<io.vmqos.core.SchedFlag> reclaims(HostConfig cfg, PolicyInput in, String vm, int tid) {
        boolean on = cfg.vm(vm).map(VmConfig::reclaim).orElse(false) && !in.hints().reclaimSuspended().contains(tid);
        return on ? java.util.EnumSet.of(io.vmqos.core.SchedFlag.RECLAIM) : Set.of();
    }

    /** Mutable accumulator of one policy run. */
    private static final class Desired {
        final List<DesiredThread> threads = new ArrayList<>();
        final List<DesiredNapi> napi = new ArrayList<>();
        final List<DesiredIrq> irqs = new ArrayList<>();
        final List<DesiredShaping> shaping = new ArrayList<>();
    }

    /** Per root domain, the CPUs its pinned threads need as root domains of their own. */
    private static List<DesiredPartition> partitions(List<DesiredThread> threads, HostCapacity capacity) {
        List<DesiredPartition> out = new ArrayList<>();
        for (RootDomain d : capacity.rootDomains()) {
            TreeSet<Integer> cpus = new TreeSet<>();
            for (DesiredThread t : threads) if (t.pinned() && d.cpus().contains(t.cpu())) cpus.add(t.cpu());
            if (!cpus.isEmpty()) out.add(new DesiredPartition(cpus, d.cpus()));
        }
        return out;
    }

    // ---- NAPI -----------------------------------------------------------------------------------------------------

    private static void napi(PolicyInput in, HostConfig cfg, HostPlan plan, Map<String, List<NetDevice>> devices, Map<String, Placement> placed,
                             Map<Integer, String> owner, Desired out, List<String> notes) {
        Map<Integer, List<VmPlan>> byThread = new TreeMap<>();
        Map<DeviceRef, List<String>> napiDevices = new TreeMap<>();
        for (VmPlan vp : plan.vms()) {
            if (vp.stage(StageKind.NAPI) == null || !in.running().containsKey(vp.vm())) continue;
            List<NetDevice> devs = devices.getOrDefault(vp.vm(), List.of());
            for (NetDevice d : napiDevices(devs)) napiDevices.computeIfAbsent(new DeviceRef(d.name(), d.ns()), k -> new ArrayList<>()).add(vp.vm());
            for (int tid : packetThreads(devs)) byThread.computeIfAbsent(tid, k -> new ArrayList<>()).add(vp);
        }
        napiDevices.forEach((d, vms) -> out.napi.add(new DesiredNapi(d, vms)));
        for (Map.Entry<Integer, List<VmPlan>> e : byThread.entrySet()) {
            int tid = e.getKey();
            List<VmPlan> shares = e.getValue();
            String prev = owner.get(tid);
            if (prev != null) {
                throw new InvalidInputException("vms." + shares.get(0).vm() + ".napi", "NAPI thread " + tid + " is also planned as " + prev,
                        "a VM's own thread cannot also be a path thread; check the VM locators");
            }
            Optional<Reservation> r = napiReservation(tid, shares, in.costs(), cfg, in.facts(), notes);
            if (r.isEmpty()) continue;
            Placement p = placed.get(shares.get(0).vm() + "/" + StageKind.NAPI + "/0");
            out.threads.add(new DesiredThread(tid, tid, shares.stream().map(VmPlan::vm).toList(), vmNames(shares, "+") + " napi " + tid,
                    SchedAttributes.deadline(r.get()), p != null && p.pinned() ? p.cpu() : DesiredThread.ANY_CPU));
        }
    }

    /**
     * The reservation of a NAPI thread the VMs in {@code shares} all cross. One VM: its own napi reservation. Several,
     * all sized from an SLA and the cost model: {@link SharedThreadSizing}, so that each keeps the napi guarantee its own
     * plan computed (and with it its end-to-end bound). Several with explicit reservations: the sum of their bandwidths
     * at the shortest of their periods. Empty, with a note, when no reservation within one CPU does it.
     */
    private static Optional<Reservation> napiReservation(int tid, List<VmPlan> shares, Optional<CostModel> costs, HostConfig cfg, KernelFacts facts,
                                                         List<String> notes) {
        if (shares.size() == 1) return Optional.of(ownNapi(shares.get(0)));
        String who = vmNames(shares, ", ");
        double own = shares.stream().mapToDouble(vp -> ownNapi(vp).bandwidth().cpus()).sum();
        boolean allSized = costs.isPresent() && costs.get().kinds().contains(StageKind.NAPI)
                && shares.stream().allMatch(vp -> vp.sla() != null && vp.delayBoundNs() >= 0);
        if (allSized) {
            List<SharedThreadSizing.SharedLoad> loads = new ArrayList<>();
            for (VmPlan vp : shares) {
                NetworkSla sla = vp.sla();
                loads.add(new SharedThreadSizing.SharedLoad(vp.vm(), sla.ratePps(), sla.burstPackets(),
                        costs.get().cpuNsPerPacket(StageKind.NAPI, sla.packetBytes()), ownNapi(vp)));
            }
            SizingPolicy policy = SizingPolicy.DEFAULT.withOverhead(cfg.overheadPerActivationNs());
            Optional<Reservation> r = SharedThreadSizing.size(loads, facts.limits(), policy.overheadPerActivationNs(), policy.rateMargin());
            if (r.isEmpty()) {
                notes.add("NAPI thread " + tid + " is shared by vm " + who + " and no reservation within one CPU keeps each VM's napi guarantee: "
                        + "it is not reserved (fix: lower their rates or relax their latency bounds, or give the VMs paths of their own)");
                return r;
            }
            notes.add("napi thread " + tid + " is shared by vm " + who + ": one reservation " + r.get() + " (" + pct(r.get().bandwidth().cpus())
                    + ") sized for the sum of their SLAs, keeping each VM's napi guarantee (the VMs' own napi reservations together: " + pct(own) + ")");
            return r;
        }
        long period = shares.stream().mapToLong(vp -> ownNapi(vp).periodNs()).min().orElseThrow();
        long runtime = 0;
        for (VmPlan vp : shares) runtime += Math.ceilDiv(ownNapi(vp).runtimeNs() * period, ownNapi(vp).periodNs());
        if (runtime > period) {
            notes.add("NAPI thread " + tid + " is shared by vm " + who + " whose explicit napi reservations add up to more than one CPU: "
                    + "it is not reserved (fix: lower them or give the VMs paths of their own)");
            return Optional.empty();
        }
        Reservation r = Reservation.of(runtime, period);
        notes.add("napi thread " + tid + " is shared by vm " + who + ": one reservation " + r + ", the sum of their explicit napi reservations");
        return Optional.of(r);
    }

    /** The reservation a VM's own plan gave its napi stage. */
    private static Reservation ownNapi(VmPlan vp) { return vp.stage(StageKind.NAPI).reservation(); }

    // ---- IRQs and shaping -------------------------------------------------------------------------------------------

    /**
     * IRQs of the devices on an admitted VM's path go onto the CPUs its reserved threads run on when their affinity
     * reaches others: under partitioned EDF the CPUs its NAPI threads are pinned to, else the CPUs of the root domains
     * planned on. Shaping: each tap of a VM with {@code shaping}.
     */
    private static void network(PolicyInput in, HostConfig cfg, HostPlan plan, Map<String, List<NetDevice>> devices, HostCapacity capacity,
                                Desired out) {
        Map<Integer, BitSet> napiCpus = new HashMap<>();
        for (DesiredThread t : out.threads) if (t.pinned()) napiCpus.computeIfAbsent(t.tid(), k -> new BitSet()).set(t.cpu());
        BitSet planned = new BitSet();
        for (RootDomain d : capacity.rootDomains()) for (int c : d.cpus()) planned.set(c);
        Map<Integer, DesiredIrq> irqs = new TreeMap<>();
        for (VmPlan vp : plan.vms()) {
            ObservedVm ov = in.running().get(vp.vm());
            if (ov == null) continue;
            if (vp.stage(StageKind.NAPI) != null) {
                for (NetDevice d : devices.getOrDefault(vp.vm(), List.of())) {
                    BitSet target;
                    if (cfg.host().partitioned()) {
                        target = new BitSet();
                        for (KernelThread k : d.napiThreads()) target.or(napiCpus.getOrDefault(k.pid(), new BitSet()));
                        if (target.isEmpty()) continue;
                    } else {
                        target = planned;
                    }
                    for (Irq irq : d.irqs()) {
                        if (irq.affinity().isEmpty()) continue;
                        BitSet outside = CpuList.parse(irq.affinity());
                        outside.andNot(target);
                        if (outside.isEmpty()) continue;
                        DesiredIrq prev = irqs.get(irq.number());
                        List<String> who = new ArrayList<>(prev == null ? List.of() : prev.vms());
                        who.add(vp.vm());
                        irqs.put(irq.number(), new DesiredIrq(irq.number(), irq.name(), new DeviceRef(d.name(), d.ns()), CpuList.format(target), who));
                    }
                }
            }
            cfg.vm(vp.vm()).flatMap(VmConfig::shaping).ifPresent(spec -> {
                for (TapRef tap : ov.network().taps()) {
                    out.shaping.add(new DesiredShaping(new DeviceRef(tap.name(), tap.ns()), DesiredShaping.EGRESS, spec, vp.vm()));
                }
            });
        }
        out.irqs.addAll(irqs.values());
    }

    // ---- planning ---------------------------------------------------------------------------------------------------

    /** Admits the fixed plans first (largest first, then name), then sizes and admits the others in what is left. */
    private static HostPlan planAll(HostCapacity capacity, Sizer sizer, List<VmRequest> sized, List<VmPlan> fixed) {
        List<VmPlan> order = new ArrayList<>(fixed);
        order.sort(Comparator.comparing(VmPlan::bandwidth).reversed().thenComparing(VmPlan::vm));
        Admission admission = new Admission(capacity);
        List<VmPlan> admitted = new ArrayList<>();
        List<Placement> placements = new ArrayList<>();
        List<Refusal> refusals = new ArrayList<>();
        Map<String, CpuBandwidth> heldByFixed = new HashMap<>();
        Map<Integer, CpuBandwidth> perCpuFixed = new TreeMap<>();
        for (VmPlan p : order) {
            switch (admission.admit(p, null)) {
                case AdmissionDecision.Admitted a -> {
                    admitted.add(p);
                    placements.addAll(a.placements());
                    heldByFixed.merge(a.rootDomain(), p.bandwidth(), CpuBandwidth::plus);
                    for (Placement pl : a.placements()) {
                        if (pl.pinned()) perCpuFixed.merge(pl.cpu(), p.stage(pl.stage()).reservation().density(), CpuBandwidth::plus);
                    }
                }
                case AdmissionDecision.Rejected r -> refusals.add(new Refusal(p.vm(), r.constraint(), r.shortfall(), OptionalLong.empty(), OptionalLong.empty(),
                        "vm " + p.vm() + ": " + r.constraint() + ": " + r.detail() + " (short by " + r.shortfall().missing().percent()
                                + "); fix: lower its explicit reservations or free bandwidth"));
            }
        }
        List<RootDomain> rest = new ArrayList<>();
        for (RootDomain d : capacity.rootDomains()) {
            TreeMap<Integer, CpuBandwidth> held = new TreeMap<>(d.heldPerCpu());
            for (int cpu : d.cpus()) {
                CpuBandwidth f = perCpuFixed.get(cpu);
                if (f != null) held.merge(cpu, f, CpuBandwidth::plus);
            }
            rest.add(new RootDomain(d.name(), d.cpus(), d.rtRuntimeNs(), d.rtPeriodNs(),
                    d.heldByOthers().plus(heldByFixed.getOrDefault(d.name(), CpuBandwidth.ZERO)), held));
        }
        HostPlan hp = new Planner(sizer).plan(new HostCapacity(rest, capacity.reserveFraction(), capacity.partitioned(), capacity.hostCpu()), sized);
        admitted.addAll(hp.vms());
        admitted.sort(Comparator.comparing(VmPlan::vm));
        placements.addAll(hp.placements());
        placements.sort(Comparator.comparing(Placement::vm).thenComparing(Placement::stage).thenComparingInt(Placement::thread));
        refusals.addAll(hp.refusals());
        refusals.sort(Comparator.comparing(Refusal::vm));
        CpuBandwidth total = CpuBandwidth.ZERO;
        for (VmPlan p : admitted) total = total.plus(p.bandwidth());
        TreeMap<Integer, CpuBandwidth> usedPerCpu = new TreeMap<>(hp.usedPerCpu());
        perCpuFixed.forEach((cpu, v) -> usedPerCpu.merge(cpu, v, CpuBandwidth::plus));
        return new HostPlan(admitted, placements, total, hp.remainingPerRootDomain(), usedPerCpu, refusals);
    }

    /** How many threads each of a running VM's stages has (a VM not running: one each); the napi stage counts as one. */
    /** Each stage's thread count: as running, else as expected (a domain not started yet), else none (one per stage). */
    private static Map<StageKind, Integer> threadCounts(PolicyInput in, String vm) {
        ObservedVm ov = in.running().get(vm);
        Map<StageKind, Integer> n = new java.util.EnumMap<>(StageKind.class);
        if (ov == null) {
            n.putAll(in.hints().expected().getOrDefault(vm, Map.of()));
            return n;
        }
        for (VmThread t : ov.threads().threads()) t.role().stage().ifPresent(s -> n.merge(s, 1, Integer::sum));
        return n;
    }

    /** A plan of explicit reservations only (no SLA, or no cost model): latency per stage from the reservation, rates and bounds unknown (-1). */
    public static VmPlan fixedPlan(VmConfig vm, NetworkSla sla, long overheadNs) {
        List<StageReservation> stages = new ArrayList<>();
        for (Map.Entry<StageKind, Reservation> e : vm.explicit().entrySet()) {
            Reservation r = e.getValue();
            long useful = Math.max(0, r.runtimeNs() - overheadNs);
            stages.add(new StageReservation(e.getKey(), r, -1, r.periodNs() + r.deadlineNs() - 2 * useful));
        }
        return new VmPlan(vm.name(), sla, stages, -1, -1);
    }

    /**
     * Root domains within {@code host.cpus}, each holding what the kernel counts less this configuration's threads;
     * under partitioned placement, what other threads pinned to a CPU and the CPU's deadline server hold there.
     */
    public static HostCapacity capacity(HostConfig cfg, KernelFacts facts, Set<Integer> ours) {
        BitSet want = cfg.host().allCpus() ? null : CpuList.parse(cfg.host().cpus());
        BitSet covered = new BitSet();
        List<RootDomain> domains = new ArrayList<>();
        for (DomainFacts d : facts.domains()) {
            BitSet cpus = new BitSet();
            for (int c : d.cpus()) cpus.set(c);
            if (want != null) {
                BitSet inter = (BitSet) cpus.clone();
                inter.and(want);
                if (inter.isEmpty()) continue;
                if (!inter.equals(cpus)) {
                    throw new InvalidInputException("host.cpus", "'" + cfg.host().cpus() + "' covers only CPUs " + CpuList.format(inter) + " of root domain "
                            + d.name() + ": the kernel admits deadline bandwidth per root domain", "give whole root domains, e.g. cpus: " + CpuList.format(cpus)
                            + " (or make the CPUs an exclusive cpuset of their own)");
                }
                covered.or(cpus);
            }
            CpuBandwidth mine = CpuBandwidth.ZERO;
            TreeMap<Integer, CpuBandwidth> perCpu = new TreeMap<>();
            if (cfg.host().partitioned()) perCpu.putAll(d.serversPerCpu());
            for (HeldThread t : d.threads()) {
                if (ours.contains(t.tid())) mine = mine.plus(t.bandwidth());
                else if (cfg.host().partitioned() && t.pinnedCpu() >= 0 && d.cpus().contains(t.pinnedCpu())) {
                    perCpu.merge(t.pinnedCpu(), t.bandwidth(), CpuBandwidth::plus);
                }
            }
            CpuBandwidth others = d.counted().minus(mine).max(CpuBandwidth.ZERO);
            domains.add(new RootDomain(d.name(), new TreeSet<>(d.cpus()), facts.rtRuntimeNs(), facts.rtPeriodNs(), others, perCpu));
        }
        if (want != null) {
            BitSet missing = (BitSet) want.clone();
            missing.andNot(covered);
            if (!missing.isEmpty()) {
                throw new InvalidInputException("host.cpus", "CPUs " + CpuList.format(missing) + " are not online (in no root domain)",
                        "give online CPUs (cat /sys/devices/system/cpu/online)");
            }
        }
        if (domains.isEmpty()) throw new InvalidInputException("host.cpus", "no root domain to plan on", "check /sys/devices/system/cpu/online");
        return new HostCapacity(domains, cfg.host().hostReserve(), cfg.host().partitioned(), true);
    }

    // ---- helpers ----------------------------------------------------------------------------------------------------

    /** The devices a VM's packets cross: its path's devices and veth peers, then the host NICs. */
    static List<NetDevice> pathDevices(ObservedVm ov, List<NetDevice> hostNics) {
        Map<String, NetDevice> m = new LinkedHashMap<>();
        for (NetDevice d : ov.network().devices()) m.putIfAbsent(d.ns() + "/" + d.name(), d);
        for (NetDevice d : hostNics) m.putIfAbsent(d.ns() + "/" + d.name(), d);
        return List.copyOf(m.values());
    }

    /** Devices that poll (veth, NICs, unknown kinds): taps, bridges, bonds, VLANs, macvtaps and loopback never do. */
    static List<NetDevice> napiDevices(List<NetDevice> devices) {
        if (devices == null) return List.of();
        return devices.stream().filter(d -> !io.vmqos.core.net.VmNetwork.NO_NAPI.contains(d.kind())).toList();
    }

    /** The NAPI and IRQ threads of the devices, ascending. */
    static List<Integer> packetThreads(List<NetDevice> devices) {
        TreeSet<Integer> t = new TreeSet<>();
        if (devices != null) for (NetDevice d : devices) for (KernelThread k : d.packetThreads()) t.add(k.pid());
        return List.copyOf(t);
    }

    private static String vmNames(List<VmPlan> plans, String separator) {
        return String.join(separator, plans.stream().map(VmPlan::vm).toList());
    }

    private static String pct(double share) { return String.format(Locale.ROOT, "%.1f%%", share * 100); }

    /** {@code napi}, {@code io}, {@code vcpu}: the stage as the configuration file writes it. */
    public static String stageName(StageKind k) { return k.name().toLowerCase(Locale.ROOT); }
}
