package io.vmqos.host;

import io.vmqos.analysis.Admission;
import io.vmqos.analysis.AdmissionDecision;
import io.vmqos.analysis.Planner;
import io.vmqos.analysis.SharedThreadSizing;
import io.vmqos.analysis.Sizer;
import io.vmqos.analysis.SizingPolicy;
import io.vmqos.core.CostModel;
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
import io.vmqos.core.ThreadChange;
import io.vmqos.core.VmPlan;
import io.vmqos.core.VmRequest;
import io.vmqos.core.config.HostConfig;
import io.vmqos.core.config.VmConfig;
import io.vmqos.core.vm.ThreadRole;
import io.vmqos.core.vm.VmThread;
import io.vmqos.core.vm.VmThreads;
import io.vmqos.host.config.CostModelFile;
import io.vmqos.core.CpuList;
import io.vmqos.linux.DeadlineThread;
import io.vmqos.linux.RootDomainLedger;
import io.vmqos.linux.SchedException;
import io.vmqos.linux.ThreadScheduler;
import io.vmqos.qemu.QmpException;
import io.vmqos.qemu.VmDiscoveryException;

import java.nio.file.Path;
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
 * From a host configuration to reservations: plan, apply (all or nothing across every VM) and release.
 *
 * <p><b>Plan.</b> The capacity is the kernel's root domains (restricted to {@code host.cpus}, which must cover
 * whole domains), each holding what the kernel counts less what the configured VMs' own threads (and their NAPI
 * threads) hold now, so planning again after an apply gives the same answer. VMs with an SLA and a cost model are
 * sized and admitted by {@link Planner}; VMs planned from explicit reservations only (no cost model, or no SLA) are
 * admitted first with {@link Admission} and count for the others as held bandwidth. Deterministic for equal inputs.
 *
 * <p><b>Stages to threads.</b> A VM's threads by {@link ThreadRole#stage()}: VCPU → every vCPU thread; IO → main
 * loop, iothreads and vhost workers; NAPI → the threads {@link NapiThreadSource} names (none by default: a note says so). Threads of a configured VM that are
 * DEADLINE but in no planned stage go back to SCHED_OTHER in the same transaction, so the host converges on the file.
 *
 * <p>One instance per command; call from one thread.
 */
public final class HostPlanning {
    private final VmFinder finder;
    private final NapiThreadSource napi;
    private final ThreadScheduler scheduler;

    public HostPlanning(VmFinder finder, NapiThreadSource napi, ThreadScheduler scheduler) {
        this.finder = finder;
        this.napi = napi;
        this.scheduler = scheduler;
    }

    /** Reads the configuration's cost model file, if it names one. */
    public static Optional<CostModel> loadCosts(HostConfig cfg) {
        return cfg.costModelPath().map(p -> CostModelFile.read(Path.of(p)).model());
    }

    /**
     * Plans the configuration on the host. VMs not running are planned as new ones (with a note). Reads the VMs'
     * threads; changes nothing.
     *
     * @throws InvalidInputException when {@code host.cpus} splits a root domain or names no online CPU, or an
     *     explicit reservation names a stage the cost model lacks
     */
    public ConfigPlan plan(HostConfig cfg, Optional<CostModel> costs, HostFacts facts) {
        return plan(cfg, costs, facts, false);
    }

    /**
     * Plans, then applies every admitted VM's reservations in one {@link Reserver#apply} transaction. Refuses
     * everything, before any syscall, when any VM is refused.
     *
     * @throws PlanRefusedException some VM is refused (the message lists the refusals); nothing changed
     * @throws io.vmqos.qemu.VmDiscoveryException a configured VM is not running
     * @throws TransactionFailedException the kernel refused midway; every changed thread was put back
     */
    public ConfigApply apply(HostConfig cfg, Optional<CostModel> costs, HostFacts facts, Reserver reserver) {
        ConfigPlan plan = plan(cfg, costs, facts, true);
        if (!plan.complete()) {
            StringBuilder sb = new StringBuilder("the plan refuses ").append(plan.result().refusals().size()).append(" VM(s), so nothing is applied:");
            for (Refusal r : plan.result().refusals()) sb.append(' ').append(r.message()).append('.');
            throw new PlanRefusedException(sb.toString(), null, CpuBandwidth.ZERO);
        }
        List<String> notes = new ArrayList<>();
        List<ThreadChange> changes = new ArrayList<>();
        Map<Integer, String> owner = new HashMap<>();
        for (VmPlan vp : plan.result().vms()) {
            VmConfig vm = cfg.vm(vp.vm()).orElseThrow();
            VmThreads threads = plan.found().get(vm.name());
            Set<Integer> planned = new HashSet<>();
            for (StageReservation s : vp.stages()) {
                if (s.stage() == StageKind.NAPI) {
                    // a NAPI thread may carry several VMs: reserved after this loop, once for all of them
                    if (plan.napiThreads().getOrDefault(vm.name(), List.of()).isEmpty()) {
                        notes.add("vm " + vm.name() + ": napi stage: no NAPI threads discovered for VM (path reservations not configured)");
                    }
                    continue;
                }
                List<Integer> tids = new ArrayList<>();
                List<String> names = new ArrayList<>();
                for (ThreadRole r : ThreadRole.of(s.stage())) {
                    threads.of(r).forEach(t -> { tids.add(t.tid()); names.add(t.name()); });
                }
                if (tids.isEmpty()) notes.add("vm " + vm.name() + ": " + stageName(s.stage()) + " stage: the VM has no such thread; nothing reserved for it");
                for (int i = 0; i < tids.size(); i++) {
                    int tid = tids.get(i);
                    String prev = owner.putIfAbsent(tid, vm.name() + " " + stageName(s.stage()));
                    if (prev != null) {
                        throw new InvalidInputException("vms." + vm.name() + "." + stageName(s.stage()), "thread " + tid + " (" + names.get(i)
                                + ") is also planned as " + prev, "give each VM its own threads (a shared NAPI thread cannot hold two reservations)");
                    }
                    planned.add(tid);
                    changes.add(new ThreadChange(tid, SchedAttributes.deadline(s.reservation()), vm.name() + " " + names.get(i)));
                }
            }
            changes.addAll(releaseOthers(vm.name(), threads, planned));
        }
        for (Map.Entry<Integer, List<VmPlan>> e : napiSharing(plan.result(), plan.napiThreads()).entrySet()) {
            int tid = e.getKey();
            String prev = owner.get(tid);
            if (prev != null) {
                throw new InvalidInputException("vms." + e.getValue().get(0).vm() + ".napi", "NAPI thread " + tid + " is also planned as " + prev,
                        "a VM's own thread cannot also be a path thread; check the VM locators");
            }
            changes.add(new ThreadChange(tid, SchedAttributes.deadline(napiReservation(tid, e.getValue(), costs, cfg, facts, notes)),
                    vmNames(e.getValue(), "+") + " napi " + tid));
        }
        if (changes.isEmpty()) {
            notes.add("no thread to change");
            return new ConfigApply(plan, new ApplyReport(List.of(), LedgerRepair.NOTHING), notes);
        }
        return new ConfigApply(plan, reserver.apply(changes), notes);
    }

    /**
     * Puts every DEADLINE thread of every configured VM (and its NAPI threads) back to SCHED_OTHER, in one
     * transaction. VMs not running are skipped with a note; releasing twice changes nothing.
     *
     * @param ledger for the ledger repair when there is nothing to release (a leak may remain from earlier)
     */
    public ConfigApply release(HostConfig cfg, Reserver reserver, LedgerAccess ledger) {
        List<String> notes = new ArrayList<>();
        List<ThreadChange> changes = new ArrayList<>();
        Set<Integer> seen = new HashSet<>();
        for (VmConfig vm : cfg.vms()) {
            VmThreads threads;
            try {
                threads = finder.find(vm.locator());
            } catch (VmDiscoveryException | QmpException e) {
                notes.add("vm " + vm.name() + ": not running (" + e.getMessage() + "): nothing to release");
                threads = null;
            }
            if (threads != null) {
                for (ThreadChange c : releaseOthers(vm.name(), threads, Set.of())) if (seen.add(c.tid())) changes.add(c);
            }
            for (int tid : napi.napiThreads(vm)) {
                if (seen.contains(tid)) continue;
                Optional<SchedAttributes> a = current(tid);
                if (a.isPresent() && a.get().isDeadline() && seen.add(tid)) changes.add(new ThreadChange(tid, SchedAttributes.other(), vm.name() + " napi " + tid));
            }
        }
        return new ConfigApply(null, reserver.release(changes), notes);
    }

    // ---- planning ----

    private ConfigPlan plan(HostConfig cfg, Optional<CostModel> costs, HostFacts facts, boolean requireRunning) {
        List<String> notes = new ArrayList<>();
        Map<String, VmThreads> found = new LinkedHashMap<>();
        Set<Integer> ours = new HashSet<>();
        Map<String, List<Integer>> napiFound = new LinkedHashMap<>();
        List<VmConfig> vms = new ArrayList<>(cfg.vms());
        vms.sort(Comparator.comparing(VmConfig::name));
        for (VmConfig vm : vms) {
            try {
                VmThreads t = finder.find(vm.locator());
                found.put(vm.name(), t);
                for (VmThread th : t.threads()) ours.add(th.tid());
            } catch (VmDiscoveryException | QmpException e) {
                if (requireRunning) throw e;
                notes.add("vm " + vm.name() + ": not running (" + e.getMessage() + "): planned as a new VM");
            }
            List<Integer> napiThreads = napi.napiThreads(vm);
            napiFound.put(vm.name(), napiThreads);
            ours.addAll(napiThreads);
        }
        HostCapacity capacity = capacity(cfg, facts, ours);
        SizingPolicy policy = SizingPolicy.DEFAULT.withOverhead(cfg.overheadPerActivationNs());
        Sizer sizer = new Sizer(facts.limits(), policy);

        List<VmRequest> sized = new ArrayList<>();
        List<VmPlan> fixed = new ArrayList<>();
        Set<String> unsized = new HashSet<>();
        for (VmConfig vm : vms) {
            Optional<NetworkSla> sla = vm.sizingSla();
            if (costs.isPresent() && sla.isPresent()) {
                for (StageKind k : vm.explicit().keySet()) {
                    if (!costs.get().kinds().contains(k)) {
                        throw new InvalidInputException("vms." + vm.name() + ".reservations." + stageName(k), "the cost model has no " + stageName(k) + " stage",
                                "remove this reservation or add the stage's cost to the cost model (vmqos calibrate)");
                    }
                }
                sized.add(new VmRequest(vm.name(), sla.get(), costs.get(), vm.explicit(), null));
            } else {
                if (sla.isPresent()) {
                    notes.add("vm " + vm.name() + ": no cost model, so the SLA is not checked: only its explicit reservations ("
                            + String.join(", ", vm.explicit().keySet().stream().map(HostPlanning::stageName).toList()) + ") are planned");
                } else if (costs.isPresent()) {
                    notes.add("vm " + vm.name() + ": no SLA: only its explicit reservations are planned");
                }
                unsized.add(vm.name());
                fixed.add(fixedPlan(vm, sla.orElse(null), cfg.overheadPerActivationNs()));
            }
        }
        HostPlan result = planAll(capacity, sizer, sized, fixed);
        if (!requireRunning) notes.addAll(sharedNapiNotes(cfg, costs, facts, result, napiFound));
        notes.sort(Comparator.naturalOrder());
        return new ConfigPlan(result, capacity, unsized, found, napiFound, notes);
    }

    /**
     * What {@link #apply} will do with NAPI threads several planned VMs cross: one reservation for all of them
     * instead of each VM's own (which the plan lists and admits). Read-only.
     */
    private static List<String> sharedNapiNotes(HostConfig cfg, Optional<CostModel> costs, HostFacts facts, HostPlan result,
                                                Map<String, List<Integer>> napiThreads) {
        List<String> out = new ArrayList<>();
        for (Map.Entry<Integer, List<VmPlan>> e : napiSharing(result, napiThreads).entrySet()) {
            if (e.getValue().size() < 2) continue;
            CpuBandwidth own = CpuBandwidth.sum(e.getValue().stream().map(vp -> ownNapi(vp).bandwidth()).toList());
            try {
                Reservation r = napiReservation(e.getKey(), e.getValue(), costs, cfg, facts, new ArrayList<>());
                out.add("napi thread " + e.getKey() + " is shared by vm " + vmNames(e.getValue(), ", ")
                        + ": apply gives it one reservation " + r + " (" + r.bandwidth().percent() + ", the VMs' own napi reservations together: "
                        + own.percent() + "); apply checks the difference against the kernel's admission");
            } catch (PlanRefusedException refused) {
                out.add("apply will refuse: " + refused.getMessage());
            }
        }
        return out;
    }

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
        HostPlan hp = new Planner(sizer).plan(new HostCapacity(rest, capacity.reserveFraction(), capacity.partitioned()), sized);
        admitted.addAll(hp.vms());
        admitted.sort(Comparator.comparing(VmPlan::vm));
        placements.addAll(hp.placements());
        placements.sort(Comparator.comparing(Placement::vm).thenComparing(Placement::stage));
        refusals.addAll(hp.refusals());
        CpuBandwidth total = CpuBandwidth.sum(admitted.stream().map(VmPlan::bandwidth).toList());
        TreeMap<Integer, CpuBandwidth> usedPerCpu = new TreeMap<>(hp.usedPerCpu());
        perCpuFixed.forEach((cpu, v) -> usedPerCpu.merge(cpu, v, CpuBandwidth::plus));
        return new HostPlan(admitted, placements, total, hp.remainingPerRootDomain(), usedPerCpu, refusals);
    }

    /** Per NAPI thread, the admitted plans with a napi stage whose VM's path crosses it (thread order, then plan order). */
    private static Map<Integer, List<VmPlan>> napiSharing(HostPlan result, Map<String, List<Integer>> napiThreads) {
        Map<Integer, List<VmPlan>> byThread = new TreeMap<>();
        for (VmPlan vp : result.vms()) {
            if (vp.stage(StageKind.NAPI) == null) continue;
            for (int t : napiThreads.getOrDefault(vp.vm(), List.of())) byThread.computeIfAbsent(t, k -> new ArrayList<>()).add(vp);
        }
        return byThread;
    }

    /** The reservation a VM's own plan gave its napi stage. */
    private static Reservation ownNapi(VmPlan vp) { return vp.stage(StageKind.NAPI).reservation(); }

    private static String vmNames(List<VmPlan> plans, String separator) {
        return String.join(separator, plans.stream().map(VmPlan::vm).toList());
    }

    /**
     * The reservation of a NAPI thread the VMs in {@code shares} all cross. One VM: its own napi reservation.
     * Several, all sized from an SLA and the cost model: {@link SharedThreadSizing}, so that each keeps the napi
     * guarantee its own plan computed (and with it its end-to-end bound). Several with explicit reservations:
     * the sum of their bandwidths at the shortest of their periods.
     */
    private static Reservation napiReservation(int tid, List<VmPlan> shares, Optional<CostModel> costs, HostConfig cfg,
                                               HostFacts facts, List<String> notes) {
        if (shares.size() == 1) return ownNapi(shares.get(0));
        String who = vmNames(shares, ", ");
        boolean allSized = costs.isPresent() && costs.get().kinds().contains(StageKind.NAPI)
                && shares.stream().allMatch(vp -> vp.sla() != null && vp.delayBoundNs() >= 0);
        Reservation r;
        if (allSized) {
            List<SharedThreadSizing.SharedLoad> loads = new ArrayList<>();
            for (VmPlan vp : shares) {
                NetworkSla sla = vp.sla();
                loads.add(new SharedThreadSizing.SharedLoad(vp.vm(), sla.ratePps(), sla.burstPackets(),
                        costs.get().cpuNsPerPacket(StageKind.NAPI, sla.packetBytes()), ownNapi(vp)));
            }
            SizingPolicy policy = SizingPolicy.DEFAULT.withOverhead(cfg.overheadPerActivationNs());
            r = SharedThreadSizing.size(loads, facts.limits(), policy.overheadPerActivationNs(), policy.rateMargin()).orElseThrow(() ->
                    new PlanRefusedException("NAPI thread " + tid + " is shared by vm " + who + " and no reservation within one CPU keeps each VM's "
                            + "napi guarantee; fix: lower their rates or relax their latency bounds, or give the VMs paths of their own", null, CpuBandwidth.ZERO));
            notes.add("napi thread " + tid + " is shared by vm " + who + ": one reservation " + r + " (" + r.bandwidth().percent()
                    + ") sized for the sum of their SLAs, keeping each VM's napi guarantee");
        } else {
            long period = shares.stream().mapToLong(vp -> ownNapi(vp).periodNs()).min().orElseThrow();
            long runtime = 0;
            for (VmPlan vp : shares) runtime += Math.ceilDiv(ownNapi(vp).runtimeNs() * period, ownNapi(vp).periodNs());
            if (runtime > period) {
                throw new PlanRefusedException("NAPI thread " + tid + " is shared by vm " + who + " whose explicit napi reservations add up to "
                        + "more than one CPU; fix: lower them or give the VMs paths of their own", null, CpuBandwidth.ZERO);
            }
            r = Reservation.of(runtime, period);
            notes.add("napi thread " + tid + " is shared by vm " + who + ": one reservation " + r + ", the sum of their explicit napi reservations");
        }
        return r;
    }

    /** A plan of explicit reservations only: latency per stage from the reservation, rates and bounds unknown (-1). */
    private static VmPlan fixedPlan(VmConfig vm, NetworkSla sla, long overheadNs) {
        List<StageReservation> stages = new ArrayList<>();
        for (Map.Entry<StageKind, Reservation> e : vm.explicit().entrySet()) {
            Reservation r = e.getValue();
            long useful = Math.max(0, r.runtimeNs() - overheadNs);
            stages.add(new StageReservation(e.getKey(), r, -1, r.periodNs() + r.deadlineNs() - 2 * useful));
        }
        return new VmPlan(vm.name(), sla, stages, -1, -1);
    }

    /** Root domains of the ledger within host.cpus, each holding what the kernel counts less our threads. */
    private static HostCapacity capacity(HostConfig cfg, HostFacts facts, Set<Integer> ours) {
        BitSet want = cfg.host().allCpus() ? null : CpuList.parse(cfg.host().cpus());
        BitSet covered = new BitSet();
        List<RootDomain> domains = new ArrayList<>();
        for (RootDomainLedger d : facts.ledger().domains()) {
            BitSet cpus = new BitSet();
            for (int c : d.cpus()) cpus.set(c);
            if (want != null) {
                BitSet inter = (BitSet) cpus.clone();
                inter.and(want);
                if (inter.isEmpty()) continue;
                if (!inter.equals(cpus)) {
                    throw new InvalidInputException("host.cpus", "'" + cfg.host().cpus() + "' covers only CPUs " + CpuList.format(inter) + " of root domain "
                            + d.cpuList() + ": the kernel admits deadline bandwidth per root domain", "give whole root domains, e.g. cpus: " + d.cpuList()
                            + " (or make the CPUs an exclusive cpuset of their own)");
                }
                covered.or(cpus);
            }
            CpuBandwidth counted = d.leaked(d.defaultTolerance()) ? d.serversTotal().plus(d.threadsTotal()) : d.kernelTotal();
            CpuBandwidth mine = CpuBandwidth.ZERO;
            for (DeadlineThread t : d.threads()) if (ours.contains(t.tid())) mine = mine.plus(t.bandwidth());
            TreeSet<Integer> set = new TreeSet<>(d.cpus());
            domains.add(new RootDomain(d.cpuList(), set, facts.rtRuntimeNs(), facts.rtPeriodNs(), counted.minus(mine).max(CpuBandwidth.ZERO), new TreeMap<>()));
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
        return new HostCapacity(domains, cfg.host().hostReserve(), cfg.host().partitioned());
    }

    /** Changes that put the VM's DEADLINE threads outside {@code planned} back to SCHED_OTHER. */
    private List<ThreadChange> releaseOthers(String vm, VmThreads threads, Set<Integer> planned) {
        List<ThreadChange> out = new ArrayList<>();
        for (VmThread t : threads.threads()) {
            if (planned.contains(t.tid())) continue;
            Optional<SchedAttributes> a = current(t.tid());
            if (a.isPresent() && a.get().isDeadline()) out.add(new ThreadChange(t.tid(), SchedAttributes.other(), vm + " " + t.name()));
        }
        return out;
    }

    private Optional<SchedAttributes> current(int tid) {
        try {
            return Optional.of(scheduler.get(tid));
        } catch (SchedException.ThreadGone gone) {
            return Optional.empty();
        }
    }

    /** {@code napi}, {@code io}, {@code vcpu}: the stage as the configuration file writes it. */
    public static String stageName(StageKind k) { return k.name().toLowerCase(Locale.ROOT); }
}
