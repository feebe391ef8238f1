package io.vmqos.analysis;

import io.vmqos.core.CostModel;
import io.vmqos.core.CpuBandwidth;
import io.vmqos.core.InvalidInputException;
import io.vmqos.core.KernelLimits;
import io.vmqos.core.Reservation;
import io.vmqos.core.SchedAttributes;
import io.vmqos.core.StageCost;
import io.vmqos.core.StageKind;
import io.vmqos.core.config.DirectionSla;
import io.vmqos.core.config.HostConfig;
import io.vmqos.core.config.HostSection;
import io.vmqos.core.config.VmConfig;
import io.vmqos.core.config.VmLocator;
import io.vmqos.core.desired.DesiredState;
import io.vmqos.core.desired.DesiredThread;
import io.vmqos.core.desired.DeviceRef;
import io.vmqos.core.net.DeviceKind;
import io.vmqos.core.net.Irq;
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
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.BitSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The policy without root: configuration + kernel facts + discovered VMs to one desired state. */
class HostPolicyTest {
    static final CpuBandwidth SERVER = CpuBandwidth.ofRuntime(50_000_000L, 1_000_000_000L);
    static final CostModel COSTS = CostModel.of(new StageCost(800, 0.1), new StageCost(2000, 0.25), new StageCost(3000, 0.5));
    static final Reservation VCPU = Reservation.of(1_000_000, 10_000_000), IO = Reservation.of(500_000, 10_000_000);

    /** A VM with 2 vCPUs, a main loop, an iothread, a vhost worker and another thread (tids base..base+5) on a tap. */
    static ObservedVm vm(String name, int base, List<NetDevice> extraDevices) {
        List<VmThread> t = List.of(new VmThread(base, ThreadRole.MAIN_LOOP, "main-loop", 0),
                new VmThread(base + 1, ThreadRole.VCPU, "vcpu0", 0), new VmThread(base + 2, ThreadRole.VCPU, "vcpu1", 1),
                new VmThread(base + 3, ThreadRole.IOTHREAD, "iothread io1", 0), new VmThread(base + 4, ThreadRole.VHOST, "vhost-" + base, 0),
                new VmThread(base + 5, ThreadRole.OTHER, "worker", 0));
        List<NetDevice> devs = new ArrayList<>();
        devs.add(new NetDevice("tap" + base, DeviceKind.TAP, null, false, List.of(), List.of()));
        devs.add(new NetDevice("br0", DeviceKind.BRIDGE, null, false, List.of(), List.of()));
        devs.addAll(extraDevices);
        VmNetwork net = new VmNetwork(name, List.of(new TapRef("tap" + base, null)), List.of(new NetPath("tap" + base, "br0", devs)), List.of());
        BitSet cpus = new BitSet();
        cpus.set(0, 2);
        return new ObservedVm(name, new VmThreads(base, name, VmThreads.Source.QMP, t), net, cpus, 1);
    }

    static NetDevice veth(boolean threaded, int napiTid) {
        return new NetDevice("veth0", DeviceKind.VETH, null, threaded, threaded ? List.of(new KernelThread(napiTid, "napi/veth0-1")) : List.of(), List.of());
    }

    /** One root domain 0-1 with its two fair servers and these DEADLINE threads. */
    static KernelFacts facts(Map<Integer, Reservation> deadline) {
        List<HeldThread> held = new ArrayList<>();
        CpuBandwidth total = SERVER.times(2);
        for (var e : deadline.entrySet()) {
            held.add(new HeldThread(e.getKey(), e.getValue().bandwidth(), -1));
            total = total.plus(e.getValue().bandwidth());
        }
        return new KernelFacts(List.of(new DomainFacts("0-1", new TreeSet<>(List.of(0, 1)), total, new TreeMap<>(Map.of(0, SERVER, 1, SERVER)), held)),
                KernelLimits.DEFAULT, 950_000_000L, 1_000_000_000L);
    }

    static VmConfig explicit(String name, Map<StageKind, Reservation> r) {
        return new VmConfig(name, new VmLocator.Qmp("/run/" + name + ".qmp"), Optional.empty(), Optional.empty(), r, Optional.empty());
    }

    static VmConfig sla(String name, long pps, long burst, long latencyNs) {
        return new VmConfig(name, new VmLocator.Qmp("/run/" + name + ".qmp"),
                Optional.of(new DirectionSla(new DirectionSla.PacketsPerSecond(pps), 64, burst, latencyNs)), Optional.empty(), Map.of(), Optional.empty());
    }

    static HostConfig config(HostSection host, VmConfig... vms) { return new HostConfig(host, Optional.empty(), HostConfig.DEFAULT_OVERHEAD_NS, List.of(vms)); }

    static PolicyInput input(HostConfig cfg, Optional<CostModel> costs, KernelFacts facts, ObservedVm... running) {
        Map<String, ObservedVm> m = new TreeMap<>();
        for (ObservedVm v : running) m.put(v.name(), v);
        return new PolicyInput(cfg, costs, facts, m, List.of(), Set.of());
    }

    static DesiredThread thread(DesiredState d, int tid) { return d.threads().stream().filter(t -> t.tid() == tid).findFirst().orElseThrow(); }

    @Test
    void explicitReservationsGoToTheThreadsOfTheirStageAndThePlanIsTheSameAfterwards() {
        HostConfig cfg = config(HostSection.DEFAULT, explicit("web1", Map.of(StageKind.VCPU, VCPU, StageKind.IO, IO)));
        ObservedVm web1 = vm("web1", 100, List.of());
        DesiredState d = HostPolicy.desired(input(cfg, Optional.empty(), facts(Map.of()), web1));
        assertThat(d.threads()).extracting(DesiredThread::tid).containsExactly(100, 101, 102, 103, 104);
        assertThat(thread(d, 101).attrs()).isEqualTo(SchedAttributes.deadline(VCPU));
        for (int io : List.of(100, 103, 104)) assertThat(thread(d, io).attrs()).isEqualTo(SchedAttributes.deadline(IO));
        assertThat(d.unsized()).containsExactly("web1");
        assertThat(d.napi()).isEmpty();
        assertThat(d.partitions()).isEmpty();
        // the VM's own reservations in the ledger do not count as held by others: planning again gives the same
        Map<Integer, Reservation> applied = new TreeMap<>();
        for (DesiredThread t : d.threads()) applied.put(t.tid(), t.attrs().reservation());
        assertThat(HostPolicy.desired(input(cfg, Optional.empty(), facts(applied), web1))).isEqualTo(d);
    }

    static VmConfig adaptive(String name, Map<StageKind, Reservation> r, double ceiling) {
        return new VmConfig(name, new VmLocator.Qmp("/run/" + name + ".qmp"), Optional.empty(), Optional.empty(), r, Optional.empty(), false, ceiling, true, Optional.empty());
    }

    static PolicyInput withBudgets(PolicyInput in, Map<Integer, Long> budgets) {
        return new PolicyInput(in.config(), in.costs(), in.facts(), in.running(), in.hostNics(), in.frozen(), in.hints().withBudgets(budgets));
    }

    @Test
    void anAdaptiveVmGetsTheRuntimeTheAgentAsksWithinItsFloorAndCeilingAndThePlanKeepsTheFloor() {
        HostConfig cfg = config(HostSection.DEFAULT, adaptive("web1", Map.of(StageKind.VCPU, VCPU, StageKind.IO, IO), 0.25),
                explicit("db1", Map.of(StageKind.VCPU, VCPU)));
        PolicyInput in = input(cfg, Optional.empty(), facts(Map.of()), vm("web1", 100, List.of()), vm("db1", 200, List.of()));
        DesiredState d = HostPolicy.desired(withBudgets(in, Map.of(101, 1_800_000L, 102, 9_000_000L, 100, 100_000L, 201, 5_000_000L)));
        assertThat(thread(d, 101).attrs().reservation()).isEqualTo(Reservation.of(1_800_000, 10_000_000));
        assertThat(thread(d, 102).attrs().reservation()).as("at most the 25%% ceiling").isEqualTo(Reservation.of(2_500_000, 10_000_000));
        assertThat(thread(d, 100).attrs().reservation()).as("never below the floor").isEqualTo(IO);
        assertThat(thread(d, 201).attrs().reservation()).as("db1 is not adaptive").isEqualTo(VCPU);
        assertThat(thread(d, 101).attrs().flags()).isEqualTo(SchedAttributes.deadline(VCPU).flags());
        assertThat(d.adaptive()).extracting(b -> b.tid()).containsExactly(100, 101, 102, 103, 104);
        assertThat(d.adaptive().get(1)).isEqualTo(new io.vmqos.core.desired.AdaptiveBounds(101, "web1", "web1 vcpu0", 1_000_000, 2_500_000, 10_000_000, false));
        // admission counted the floors: the plan is the one without budgets
        assertThat(d.plan()).isEqualTo(HostPolicy.desired(in).plan());
        // planning again on the host as granted gives the same
        Map<Integer, Reservation> applied = new TreeMap<>();
        for (DesiredThread t : d.threads()) applied.put(t.tid(), t.attrs().reservation());
        PolicyInput again = input(cfg, Optional.empty(), facts(applied), vm("web1", 100, List.of()), vm("db1", 200, List.of()));
        assertThat(HostPolicy.desired(withBudgets(again, Map.of(101, 1_800_000L, 102, 9_000_000L, 100, 100_000L, 201, 5_000_000L)))).isEqualTo(d);
    }

    @Test
    void extrasShareTheHeadroomTheFloorsLeaveAndNeverTakeAFloorsPlace() {
        // 2 CPUs at 95%, 10% reserve, 2 × 5% servers: 161% plannable; web1's floors take 35%, db1's 100%: 26% left
        Reservation big = Reservation.of(5_000_000, 10_000_000);
        HostConfig cfg = config(HostSection.DEFAULT, adaptive("web1", Map.of(StageKind.VCPU, VCPU, StageKind.IO, IO), 1.0),
                explicit("db1", Map.of(StageKind.VCPU, big)));
        PolicyInput in = input(cfg, Optional.empty(), facts(Map.of()), vm("web1", 100, List.of()), vm("db1", 200, List.of()));
        DesiredState d = HostPolicy.desired(withBudgets(in, Map.of(101, 9_000_000L, 102, 9_000_000L)));
        CpuBandwidth left = d.plan().remainingPerRootDomain().get("0-1");
        CpuBandwidth extras = thread(d, 101).attrs().bandwidth().plus(thread(d, 102).attrs().bandwidth()).minus(VCPU.bandwidth().times(2));
        assertThat(extras.exceeds(left)).isFalse();
        assertThat(extras.cpus()).isGreaterThan(left.cpus() - 0.001);
        assertThat(thread(d, 101).attrs()).isEqualTo(thread(d, 102).attrs()); // scaled alike
        assertThat(thread(d, 201).attrs().reservation()).isEqualTo(big);
        assertThat(d.complete()).isTrue();
    }

    @Test
    void aPinnedAdaptiveThreadGrowsWithinItsCpu() {
        HostConfig cfg = config(new HostSection("", true, 0.10, List.of()), adaptive("web1", Map.of(StageKind.VCPU, Reservation.of(3_000_000, 10_000_000)), 1.0));
        PolicyInput in = input(cfg, Optional.empty(), facts(Map.of()), vm("web1", 100, List.of()));
        DesiredState d = HostPolicy.desired(withBudgets(in, Map.of(101, 9_000_000L, 102, 9_000_000L)));
        // both vCPUs on CPU 0 (95% - 9.5% reserve - 5% server = 80.5%), floors 60%: the extras share 20.5%
        assertThat(thread(d, 101).cpu()).isEqualTo(0);
        long sum = thread(d, 101).attrs().runtimeNs() + thread(d, 102).attrs().runtimeNs();
        assertThat(sum).isBetween(8_000_000L, 8_050_000L);
    }

    @Test
    void admissionCountsEveryThreadOfAStageAndPartitionedPlacesEachOnItsOwn() {
        HostConfig cfg = config(HostSection.DEFAULT, explicit("web1", Map.of(StageKind.VCPU, VCPU, StageKind.IO, IO)));
        DesiredState d = HostPolicy.desired(input(cfg, Optional.empty(), facts(Map.of()), vm("web1", 100, List.of())));
        // two vCPUs at 10% and main loop, iothread and vhost at 5%: what the kernel will hold
        assertThat(d.plan().totalBandwidth()).isEqualTo(VCPU.bandwidth().times(2).plus(IO.bandwidth().times(3)));
        // partitioned: one placement per thread, on every CPU but the domain's last (the host's): two 30% vCPUs share
        // CPU 0, two 60% ones cannot
        HostConfig part = config(new HostSection("", true, 0.10, List.of()), explicit("web1", Map.of(StageKind.VCPU, Reservation.of(3_000_000, 10_000_000))));
        DesiredState p = HostPolicy.desired(input(part, Optional.empty(), facts(Map.of()), vm("web1", 100, List.of())));
        assertThat(p.complete()).isTrue();
        assertThat(thread(p, 101).cpu()).isEqualTo(0);
        assertThat(thread(p, 102).cpu()).isEqualTo(0);
        assertThat(p.partitions().getFirst().cpus()).containsExactly(0);
        HostConfig big = config(new HostSection("", true, 0.10, List.of()), explicit("web1", Map.of(StageKind.VCPU, Reservation.of(6_000_000, 10_000_000))));
        DesiredState refused = HostPolicy.desired(input(big, Optional.empty(), facts(Map.of()), vm("web1", 100, List.of())));
        assertThat(refused.plan().refusals()).singleElement().satisfies(r -> assertThat(r.constraint()).isEqualTo(io.vmqos.core.Refusal.Constraint.CPU_DENSITY));
    }

    @Test
    void aNapiStageThreadsThePathsNapiAndReservesItsThreadOnceForAllTheVmsThatCrossIt() {
        HostConfig cfg = config(HostSection.DEFAULT, sla("web1", 4000, 8, 5_000_000), sla("web2", 1000, 32, 20_000_000));
        // before threaded NAPI: the veth is wanted threaded, there is no thread to reserve yet
        DesiredState before = HostPolicy.desired(input(cfg, Optional.of(COSTS), facts(Map.of()),
                vm("web1", 100, List.of(veth(false, 0))), vm("web2", 200, List.of(veth(false, 0)))));
        assertThat(before.napi()).singleElement().satisfies(n -> {
            assertThat(n.device()).isEqualTo(new DeviceRef("veth0", null));
            assertThat(n.vms()).containsExactly("web1", "web2");
        });
        assertThat(before.threads()).noneMatch(t -> t.tid() == 900);
        // once it runs threaded, its thread gets one reservation sized for both SLAs
        DesiredState after = HostPolicy.desired(input(cfg, Optional.of(COSTS), facts(Map.of()),
                vm("web1", 100, List.of(veth(true, 900))), vm("web2", 200, List.of(veth(true, 900)))));
        DesiredThread napi = thread(after, 900);
        assertThat(napi.vms()).containsExactly("web1", "web2");
        Reservation own1 = after.plan().vm("web1").stage(StageKind.NAPI).reservation(), own2 = after.plan().vm("web2").stage(StageKind.NAPI).reservation();
        assertThat(napi.attrs().reservation().bandwidth()).isGreaterThan(own1.bandwidth().max(own2.bandwidth()));
        assertThat(after.notes()).anyMatch(n -> n.contains("napi thread 900 is shared by vm web1, web2") && n.contains("sum of their SLAs"));
    }

    @Test
    void explicitNapiReservationsOfASharedThreadAreSummedAtTheShortestPeriod() {
        HostConfig cfg = config(HostSection.DEFAULT, explicit("web1", Map.of(StageKind.NAPI, Reservation.of(200_000, 1_000_000))),
                explicit("web2", Map.of(StageKind.NAPI, Reservation.of(1_000_000, 10_000_000))));
        DesiredState d = HostPolicy.desired(input(cfg, Optional.empty(), facts(Map.of()),
                vm("web1", 100, List.of(veth(true, 900))), vm("web2", 200, List.of(veth(true, 900)))));
        assertThat(thread(d, 900).attrs().reservation()).isEqualTo(Reservation.of(300_000, 1_000_000));
    }

    @Test
    void partitionedPinsEachThreadToItsPlacedCpuAndAsksForThoseCpusAsPartitions() {
        HostConfig cfg = config(new HostSection("", true, 0.10, List.of()), explicit("web1", Map.of(StageKind.VCPU, VCPU, StageKind.IO, IO)));
        DesiredState d = HostPolicy.desired(input(cfg, Optional.empty(), facts(Map.of()), vm("web1", 100, List.of())));
        assertThat(d.threads()).allMatch(DesiredThread::pinned);
        assertThat(d.partitions()).singleElement().satisfies(p -> {
            assertThat(p.domain()).containsExactly(0, 1);
            assertThat(p.cpus()).isNotEmpty();
            for (DesiredThread t : d.threads()) assertThat(p.cpus()).contains(t.cpu());
        });
    }

    @Test
    void shapingShapesEachTapTowardsTheVmAndIrqsOutsideThePlannedCpusAreSteered() {
        ShapingSpec spec = new ShapingSpec(100_000_000, 200_000_000, 15_360, Optional.empty());
        VmConfig web1 = new VmConfig("web1", new VmLocator.Qmp("/run/web1.qmp"), Optional.empty(), Optional.empty(),
                Map.of(StageKind.VCPU, VCPU, StageKind.NAPI, Reservation.of(100_000, 1_000_000)), Optional.of(spec));
        NetDevice nic = new NetDevice("eth0", DeviceKind.PHYSICAL, null, true, List.of(new KernelThread(901, "napi/eth0-1")),
                List.of(new Irq(35, "virtio0-input.0", "0-3", Optional.empty())));
        HostConfig cfg = config(new HostSection("0-1", false, 0.10, List.of()), web1);
        DesiredState d = HostPolicy.desired(input(cfg, Optional.empty(), facts(Map.of()), vm("web1", 100, List.of(nic))));
        assertThat(d.shaping()).singleElement().satisfies(s -> {
            assertThat(s.device()).isEqualTo(new DeviceRef("tap100", null));
            assertThat(s.spec()).isEqualTo(spec);
        });
        assertThat(d.irqs()).singleElement().satisfies(i -> {
            assertThat(i.irq()).isEqualTo(35);
            assertThat(i.cpus()).isEqualTo("0-1");
        });
        assertThat(thread(d, 901).attrs().reservation()).isEqualTo(Reservation.of(100_000, 1_000_000));
    }

    @Test
    void aFrozenVmIsLeftAsItIsAndWhatItHoldsCountsAsHeld() {
        HostConfig cfg = config(HostSection.DEFAULT, explicit("web1", Map.of(StageKind.VCPU, VCPU)), explicit("web2", Map.of(StageKind.VCPU, VCPU)));
        PolicyInput in = input(cfg, Optional.empty(), facts(Map.of(201, Reservation.of(5_000_000, 10_000_000))),
                vm("web1", 100, List.of()), vm("web2", 200, List.of())).freezing(Set.of("web2"));
        DesiredState d = HostPolicy.desired(in);
        assertThat(d.kept()).containsExactly("web2");
        assertThat(d.threads()).allMatch(t -> t.vms().equals(List.of("web1")));
        assertThat(d.plan().remainingPerRootDomain().get("0-1")).isLessThan(HostPolicy.desired(in.freezing(Set.of())).plan().remainingPerRootDomain().get("0-1")
                .plus(Reservation.of(5_000_000, 10_000_000).bandwidth()).plus(VCPU.bandwidth().times(1)));
    }

    @Test
    void aRefusedVmIsExplainedAndGetsNothing() {
        HostConfig cfg = config(HostSection.DEFAULT, explicit("web1", Map.of(StageKind.VCPU, VCPU)), sla("big", 300_000, 32, 10_000_000));
        DesiredState d = HostPolicy.desired(input(cfg, Optional.of(COSTS), facts(Map.of()), vm("web1", 100, List.of()), vm("big", 200, List.of())));
        assertThat(d.complete()).isFalse();
        assertThat(d.plan().refusals()).singleElement().satisfies(r -> {
            assertThat(r.vm()).isEqualTo("big");
            assertThat(r.largestRatePps()).isPresent();
        });
        assertThat(d.threads()).allMatch(t -> t.vms().equals(List.of("web1")));
    }

    @Test
    void cpusMustCoverWholeRootDomains() {
        HostConfig cfg = config(new HostSection("0", false, 0.10, List.of()), explicit("web1", Map.of(StageKind.VCPU, VCPU)));
        assertThatThrownBy(() -> HostPolicy.desired(input(cfg, Optional.empty(), facts(Map.of()), vm("web1", 100, List.of()))))
                .isInstanceOf(InvalidInputException.class).hasMessageContaining("host.cpus").hasMessageContaining("root domain 0-1");
    }

    @Test
    void equalInputsGiveEqualStatesWhateverTheOrderOfTheVms() {
        HostConfig a = config(HostSection.DEFAULT, sla("web1", 2000, 16, 5_000_000), explicit("db1", Map.of(StageKind.VCPU, VCPU)));
        HostConfig b = config(HostSection.DEFAULT, explicit("db1", Map.of(StageKind.VCPU, VCPU)), sla("web1", 2000, 16, 5_000_000));
        ObservedVm[] vms = {vm("web1", 100, List.of()), vm("db1", 200, List.of())};
        assertThat(HostPolicy.desired(input(a, Optional.of(COSTS), facts(Map.of()), vms))).isEqualTo(HostPolicy.desired(input(b, Optional.of(COSTS), facts(Map.of()), vms)));
    }
}
