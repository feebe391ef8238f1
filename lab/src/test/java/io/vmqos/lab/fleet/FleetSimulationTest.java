package io.vmqos.lab.fleet;

import io.vmqos.analysis.fleet.FleetRequest;
import io.vmqos.core.KernelLimits;
import io.vmqos.core.config.HostConfig;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Collectors;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

/** The simulation's distribution, sizing and the alternatives' accounting, with the in-memory fleet. Pure. */
class FleetSimulationTest {
    private static final FleetSimulation.Options SMALL = new FleetSimulation.Options(10, 100, 7, SimCostModel.KVM, "kvm");

    @Test
    void theDistributionIsSeededAndAsStated() {
        List<SimVm> a = VmMix.draw(4000, 42);
        assertThat(VmMix.draw(4000, 42)).isEqualTo(a);
        assertThat(VmMix.draw(4000, 43)).isNotEqualTo(a);
        Map<String, Long> classes = a.stream().collect(Collectors.groupingBy(SimVm::sizeClass, Collectors.counting()));
        assertThat(classes.get("small") / 4000.0).isCloseTo(0.50, within(0.03));
        assertThat(classes.get("medium") / 4000.0).isCloseTo(0.35, within(0.03));
        assertThat(classes.get("large") / 4000.0).isCloseTo(0.15, within(0.03));
        for (SimVm vm : a) {
            var sla = vm.file().vm().rx().orElseThrow();
            long pps = sla.rate().pps(sla.packetBytes());
            switch (vm.sizeClass()) {
                case "small" -> assertThat(pps).isBetween(500L, 3000L);
                case "medium" -> assertThat(pps).isBetween(3000L, 15000L);
                default -> assertThat(pps).isBetween(15000L, 40000L);
            }
            assertThat(vm.file().vcpus()).isBetween(1, 8);
            assertThat(vm.file().memoryMb()).isEqualTo(2048L * vm.file().vcpus());
            assertThat(vm.meanUse()).isBetween(0.10, 0.50);
            assertThat(vm.file().vm().tx()).isEqualTo(vm.file().vm().rx());
        }
    }

    @Test
    void hostsPublishWhatTheirAdmissionAdmits() {
        SyntheticHost g = new SyntheticHost("g", 8, false, 32768);
        HostInventory.Domain d = g.inventory().domains().getFirst();
        // 8 CPUs at 95%: 7.6 CPUs; reserve 10% of that (0.76) and the fair servers 8 x 5% (0.4); the kernel's fixed point
        // (2^20 per CPU, to_ratio rounding down) loses a few millionths, and what is published rounds down
        assertThat(d.totalMicroCpus()).isBetween(7_599_990L, 7_600_000L);
        assertThat(d.usableMicroCpus()).isBetween(6_439_990L, 6_440_010L);
        assertThat(d.maxUnitMicroCpus()).isEqualTo(d.usableMicroCpus());
        HostInventory.Domain p = new SyntheticHost("p", 8, true, 32768).inventory().domains().getFirst();
        // partitioned: 7 CPUs placeable, each 95% - 9.5% - 5% = 80.5%
        assertThat(p.maxUnitMicroCpus()).isBetween(804_990L, 805_010L);
        assertThat(p.usableMicroCpus()).isBetween(5_634_930L, 5_635_070L);
        assertThat(SyntheticHost.fleet(8)).extracting(SyntheticHost::cpus).containsExactly(8, 16, 32, 64, 8, 16, 32, 64);
        assertThat(SyntheticHost.fleet(16).subList(12, 16)).allMatch(SyntheticHost::partitioned);
    }

    @Test
    void theAlternativesAccountForTheSameVms() {
        FleetResult r = FleetSimulation.run(new InMemoryFleet(), "in-memory", SMALL);
        List<SimVm> vms = VmMix.draw(100, 7);
        FleetResult.Alternative v = r.alternative(FleetSimulation.VMQOS), d = r.alternative(FleetSimulation.DEDICATED),
                p = r.alternative(FleetSimulation.PACKING), l = r.alternative(FleetSimulation.LEAN);
        assertThat(d.cpusReservedAll()).isEqualTo(vms.stream().mapToInt(x -> x.file().vcpus() + 1).sum());
        assertThat(p.cpusReservedAll()).isCloseTo(vms.stream().mapToInt(x -> x.file().vcpus()).sum() / 4.0, within(1e-9));
        FleetRequest sizing = new FleetRequest(KernelLimits.DEFAULT, HostConfig.DEFAULT_OVERHEAD_NS);
        double all = vms.stream().mapToDouble(x -> sizing.size(x.file(), Optional.of(SimCostModel.KVM)).plan().bandwidth().cpus()).sum();
        assertThat(r.sizingRefused()).isZero();
        assertThat(v.cpusReservedAll()).isCloseTo(all, within(1e-6));
        assertThat(l.cpusReservedAll()).as("lean reserves less than the SLA's reservations").isLessThan(v.cpusReservedAll());
        assertThat(v.placed()).isLessThanOrEqualTo(100);
        assertThat(r.refusedByHost()).isLessThanOrEqualTo(FleetSimulation.MAX_ATTEMPTS * 100);
        assertThat(r.republished()).isLessThanOrEqualTo(r.refusedByHost());
        assertThat(p.slaBroken()).isBetween(0, p.placed());
        assertThat(v.cpusReservedPlaced()).isLessThanOrEqualTo(v.cpusReservedAll());
        assertThat(r.admittedShare()).isEqualTo(v.placed() / 100.0);
    }

    @Test
    void aHostMeasuresTheRoomItReallyHasLeft() {
        SyntheticHost h = new SyntheticHost("g", 8, false, 65536);
        io.vmqos.analysis.Admission a = new io.vmqos.analysis.Admission(h.capacity());
        // one dense thread (80%) shrinks global EDF's density bound to 8 - 7 x 0.8 = 2.4 CPUs
        var dense = new io.vmqos.core.VmPlan("d", null, List.of(new io.vmqos.core.StageReservation(io.vmqos.core.StageKind.VCPU,
                io.vmqos.core.Reservation.of(4_000_000, 5_000_000), -1, -1)), -1, -1);
        assertThat(a.admit(dense, null)).isInstanceOf(io.vmqos.analysis.AdmissionDecision.Admitted.class);
        long room = HostRoom.remainingMicroCpus(a, dense);
        assertThat(room).as("room for 80%% threads: 2.4 - 0.8 - 0.4 (servers) leaves 1.2, one more").isBetween(799_990L, 800_000L);
        assertThat(room).isLessThan(h.inventory().domains().getFirst().usableMicroCpus() - 800_000L);
    }

    @Test
    void packingBreaksTheSlaOnlyWhereTheFairShareCannotMeetIt() {
        var sla = new io.vmqos.core.NetworkSla(10_000, 1500, 16, 5_000_000L);
        // alone on its CPUs: a whole CPU per thread meets 5 ms
        assertThat(FairShareBound.holds(sla, SimCostModel.KVM, FairShareBound.fairShare(8, 8), 5_000)).isTrue();
        // 4 threads per CPU: 3 ms every 12 ms, a starvation of up to 18 ms per stage
        assertThat(FairShareBound.holds(sla, SimCostModel.KVM, FairShareBound.fairShare(8, 32), 5_000)).isFalse();
        assertThat(FairShareBound.fairShare(8, 32).periodNs()).isEqualTo(12_000_000L);
    }
}
