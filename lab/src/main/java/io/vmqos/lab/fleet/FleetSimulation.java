package io.vmqos.lab.fleet;

import io.vmqos.analysis.Admission;
import io.vmqos.analysis.AdmissionDecision;
import io.vmqos.analysis.fleet.FleetRefusedException;
import io.vmqos.analysis.fleet.FleetRequest;
import io.vmqos.core.CostModel;
import io.vmqos.core.CpuBandwidth;
import io.vmqos.core.KernelLimits;
import io.vmqos.core.NetworkSla;
import io.vmqos.core.Reservation;
import io.vmqos.core.config.HostConfig;
import io.vmqos.core.fleet.ResourceRequest;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.HashSet;
import java.util.UUID;

/**
 * The fleet simulation: synthetic hosts ({@link SyntheticHost}) register in a {@link Fleet}; VMs drawn from
 * {@link VmMix} are sized as {@code plan} sizes them ({@link FleetRequest}) and placed through it, one at a time in draw
 * order; the host then admits the VM with vmqos's own {@link Admission}, as its libvirt hook would, and a VM it refuses
 * gives its allocation back and goes to an alternate host, up to {@link #MAX_ATTEMPTS} hosts; the refusing host publishes
 * the room it really has left ({@link HostRoom}) as a larger {@code reserved}, as its agent would. The same VMs are then placed on the same hosts, first fit in the same order, by three alternatives: dedicated
 * cores (Nova's {@code hw:cpu_policy=dedicated}: a core per vCPU and one for the emulator thread, on every CPU of a host
 * but one), vCPU-count packing at an overcommit of 4 (with memory; its SLA-broken VMs judged by {@link FairShareBound}),
 * and lean reservations ({@link LeanRequest}, placed by the same inventories). Single-threaded.
 */
public final class FleetSimulation {
    public static final String VMQOS = "vmqos";
    public static final String DEDICATED = "dedicated cores";
    public static final String PACKING = "vCPU packing x4";
    public static final String LEAN = "lean reservations";
    static final double OVERCOMMIT = 4.0;
    /** Hosts tried per VM: Nova's {@code [scheduler] max_attempts} default (the first host and two alternates). */
    static final int MAX_ATTEMPTS = 3;

    /** @param costs the per-packet cost model every VM is sized with; {@code costModelName} says which, for the report */
    public record Options(int hosts, int vms, long seed, CostModel costs, String costModelName) {}

    private FleetSimulation() {}

    /** Runs the simulation, placing vmqos's VMs through {@code fleet} (which must be empty), described as {@code fleetName}. */
    public static FleetResult run(Fleet fleet, String fleetName, Options o) {
        List<SyntheticHost> hosts = SyntheticHost.fleet(o.hosts());
        long t0 = System.nanoTime();
        for (SyntheticHost h : hosts) fleet.register(h.inventory());
        double registerS = (System.nanoTime() - t0) / 1e9;

        List<SimVm> vms = VmMix.draw(o.vms(), o.seed());
        FleetRequest sizing = new FleetRequest(KernelLimits.DEFAULT, HostConfig.DEFAULT_OVERHEAD_NS);
        Map<String, FleetRequest.Sized> sized = new LinkedHashMap<>();
        for (SimVm vm : vms) {
            try {
                sized.put(vm.name(), sizing.size(vm.file(), Optional.of(o.costs())));
            } catch (FleetRefusedException refused) {
                // asked for nothing: counted below
            }
        }

        Map<String, SyntheticHost> byName = new HashMap<>();
        Map<String, Admission> admissions = new HashMap<>();
        for (SyntheticHost h : hosts) {
            byName.put(h.name(), h);
            admissions.put(h.name(), new Admission(h.capacity()));
        }
        int placements = 0, refusedByHost = 0, admitted = 0, republished = 0;
        CpuBandwidth reservedAdmitted = CpuBandwidth.ZERO, reservedAll = CpuBandwidth.ZERO;
        Map<String, Integer> used = new HashMap<>();
        Map<String, Long> allocatedMicro = new HashMap<>();
        Map<String, HostInventory.Domain> published = new HashMap<>();
        for (SyntheticHost h : hosts) published.put(h.name(), h.inventory().domains().getFirst());
        long t1 = System.nanoTime();
        for (SimVm vm : vms) {
            FleetRequest.Sized s = sized.get(vm.name());
            if (s == null) continue;
            reservedAll = reservedAll.plus(s.plan().bandwidth());
            Set<String> refusedBy = new HashSet<>();
            for (int attempt = 1; attempt <= MAX_ATTEMPTS; attempt++) {
                Optional<String> host = fleet.place(vm.uuid(), s.request(), refusedBy);
                placements++;
                if (host.isEmpty()) break;
                if (admissions.get(host.get()).admit(s.plan(), null) instanceof AdmissionDecision.Admitted) {
                    admitted++;
                    reservedAdmitted = reservedAdmitted.plus(s.plan().bandwidth());
                    used.merge(host.get(), 1, Integer::sum);
                    allocatedMicro.merge(host.get(), s.request().dlBandwidthMicroCpus(), Long::sum);
                    break;
                }
                // the host's own admission refuses what its one-number inventory let through (per-CPU packing under
                // partitioned EDF, the global EDF density test): give the room back and try an alternate, as Nova does
                refusedByHost++;
                refusedBy.add(host.get());
                fleet.release(vm.uuid());
                HostInventory.Domain d = published.get(host.get());
                long usedMicro = allocatedMicro.getOrDefault(host.get(), 0L);
                long room = HostRoom.remainingMicroCpus(admissions.get(host.get()), s.plan());
                long reserved = Math.min(d.totalMicroCpus() - usedMicro, Math.max(d.reservedMicroCpus(), d.totalMicroCpus() - usedMicro - room));
                if (reserved != d.reservedMicroCpus()) {
                    d = new HostInventory.Domain(d.name(), d.uuid(), d.totalMicroCpus(), reserved, d.maxUnitMicroCpus(), d.partitioned());
                    published.put(host.get(), d);
                    fleet.update(host.get(), d);
                    republished++;
                }
            }
        }
        double placeS = (System.nanoTime() - t1) / 1e9;
        List<FleetResult.Alternative> alts = new ArrayList<>();
        alts.add(new FleetResult.Alternative(VMQOS, admitted, reservedAdmitted.cpus(), reservedAll.cpus(), used.size(), cpusOf(used, byName), -1,
                "SCHED_DEADLINE reservations sized from each SLA; the bound holds for every VM admitted"));
        alts.add(dedicated(hosts, vms));
        alts.add(packing(hosts, vms, byName, o.costs()));
        alts.add(lean(hosts, vms, o.costs()));
        int cpus = hosts.stream().mapToInt(SyntheticHost::cpus).sum();
        return new FleetResult(fleetName, o.seed(), hosts.size(), cpus, vms.size(), vms.size() - sized.size(), refusedByHost, republished,
                placements == 0 ? 0 : placements / placeS, placeS, registerS, o.costModelName(), alts);
    }

    /** One core per vCPU and one for the emulator thread, on all CPUs of a host but one (the host's own). */
    static FleetResult.Alternative dedicated(List<SyntheticHost> hosts, List<SimVm> vms) {
        int[] free = new int[hosts.size()];
        for (int i = 0; i < free.length; i++) free[i] = hosts.get(i).cpus() - 1;
        Map<String, Integer> used = new HashMap<>();
        Map<String, SyntheticHost> byName = new HashMap<>();
        int placed = 0;
        long coresPlaced = 0, coresAll = 0;
        for (SimVm vm : vms) {
            int need = vm.file().vcpuThreads() + 1;
            coresAll += need;
            for (int i = 0; i < free.length; i++) {
                if (free[i] < need) continue;
                free[i] -= need;
                placed++;
                coresPlaced += need;
                used.merge(hosts.get(i).name(), 1, Integer::sum);
                byName.put(hosts.get(i).name(), hosts.get(i));
                break;
            }
        }
        return new FleetResult.Alternative(DEDICATED, placed, coresPlaced, coresAll, used.size(), cpusOf(used, byName), -1,
                "hw:cpu_policy=dedicated with an emulator thread core: whole cores, no sharing");
    }

    /** First fit by vCPU count (at most 4 per CPU) and memory; a VM's SLA is broken where {@link FairShareBound} says so. */
    static FleetResult.Alternative packing(List<SyntheticHost> hosts, List<SimVm> vms, Map<String, SyntheticHost> byName, CostModel costs) {
        long[] vcpus = new long[hosts.size()], mem = new long[hosts.size()], threads = new long[hosts.size()];
        Map<Integer, List<SimVm>> on = new HashMap<>();
        int placed = 0;
        double cpusPlaced = 0, cpusAll = 0;
        for (SimVm vm : vms) {
            int v = vm.file().vcpuThreads();
            cpusAll += v / OVERCOMMIT;
            for (int i = 0; i < hosts.size(); i++) {
                SyntheticHost h = hosts.get(i);
                if (vcpus[i] + v > (long) Math.floor(h.cpus() * OVERCOMMIT) || mem[i] + vm.file().memoryMb() > h.memoryMb()) continue;
                vcpus[i] += v;
                mem[i] += vm.file().memoryMb();
                threads[i] += v + 1;
                on.computeIfAbsent(i, k -> new ArrayList<>()).add(vm);
                placed++;
                cpusPlaced += v / OVERCOMMIT;
                break;
            }
        }
        int broken = 0;
        Map<String, Integer> used = new HashMap<>();
        for (Map.Entry<Integer, List<SimVm>> e : on.entrySet()) {
            SyntheticHost h = hosts.get(e.getKey());
            used.put(h.name(), e.getValue().size());
            Reservation share = FairShareBound.fairShare(h.cpus(), threads[e.getKey()]);
            for (SimVm vm : e.getValue()) {
                NetworkSla sla = vm.file().vm().sizingSla().orElseThrow();
                if (!FairShareBound.holds(sla, costs, share, HostConfig.DEFAULT_OVERHEAD_NS)) broken++;
            }
        }
        return new FleetResult.Alternative(PACKING, placed, cpusPlaced, cpusAll, used.size(), cpusOf(used, byName), broken,
                "Nova's default: VCPU inventory x4, no CPU guarantee; SLA broken where the fair share's bound exceeds its latency");
    }

    /** The lean reservations, placed by the same inventories as vmqos's (in memory, first fit). */
    static FleetResult.Alternative lean(List<SyntheticHost> hosts, List<SimVm> vms, CostModel costs) {
        InMemoryFleet f = new InMemoryFleet();
        Map<String, SyntheticHost> byName = new HashMap<>();
        for (SyntheticHost h : hosts) {
            f.register(h.inventory());
            byName.put(h.name(), h);
        }
        int placed = 0;
        double cpusPlaced = 0, cpusAll = 0;
        Map<String, Integer> used = new HashMap<>();
        for (SimVm vm : vms) {
            CpuBandwidth b = LeanRequest.bandwidth(vm, costs);
            cpusAll += b.cpus();
            Optional<String> host = f.place(UUID.randomUUID(), new ResourceRequest(b.millionths(), vm.file().vcpus(), vm.file().memoryMb()));
            if (host.isEmpty()) continue;
            placed++;
            cpusPlaced += b.cpus();
            used.merge(host.get(), 1, Integer::sum);
        }
        return new FleetResult.Alternative(LEAN, placed, cpusPlaced, cpusAll, used.size(), cpusOf(used, byName), -1,
                "reserved at mean use with SCHED_FLAG_RECLAIM: no bound at the SLA's rate (bursts live on reclaimed time)");
    }

    private static int cpusOf(Map<String, Integer> used, Map<String, SyntheticHost> byName) {
        return used.keySet().stream().mapToInt(h -> byName.get(h).cpus()).sum();
    }
}
