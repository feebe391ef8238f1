package io.vmqos.analysis.fleet;

import io.vmqos.analysis.Planner;
import io.vmqos.analysis.Sizer;
import io.vmqos.analysis.SizingPolicy;
import io.vmqos.core.CostModel;
import io.vmqos.core.HostCapacity;
import io.vmqos.core.InvalidInputException;
import io.vmqos.core.KernelLimits;
import io.vmqos.core.Reservation;
import io.vmqos.core.StageCost;
import io.vmqos.core.StageKind;
import io.vmqos.core.VmPlan;
import io.vmqos.core.VmRequest;
import io.vmqos.core.config.DirectionSla;
import io.vmqos.core.config.VmConfig;
import io.vmqos.core.config.VmFile;
import io.vmqos.core.config.VmLocator;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;
import java.util.Optional;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** A fleet request is what plan would reserve for the VM, in millionths of a CPU rounded up. */
class FleetRequestTest {
    private static final CostModel COSTS = CostModel.of(new StageCost(800, 0.1), new StageCost(2000, 0.25, 2_000_000), new StageCost(3000, 0.5, 5_000_000));
    private final FleetRequest fleet = new FleetRequest(KernelLimits.DEFAULT, 5_000);

    private static VmFile vm(long pps, long latencyNs, int vcpus, Map<StageKind, Reservation> explicit) {
        DirectionSla d = new DirectionSla(new DirectionSla.PacketsPerSecond(pps), 1500, 16, latencyNs);
        return new VmFile(new VmConfig("web", new VmLocator.Domain("web"), Optional.of(d), Optional.empty(), explicit, Optional.empty()),
                Optional.empty(), vcpus, 4096);
    }

    @Test
    void asksWhatPlanReservesRoundedUp() {
        VmFile v = vm(10_000, 5_000_000L, 4, Map.of());
        FleetRequest.Sized s = fleet.size(v, Optional.of(COSTS));
        // the same VM planned by plan's Planner, with four vCPU threads, on a big empty host
        VmRequest r = new VmRequest("web", v.vm().sizingSla().orElseThrow(), COSTS, Map.of(), null, Map.of(StageKind.VCPU, 4));
        VmPlan planned = new Planner(new Sizer(KernelLimits.DEFAULT, SizingPolicy.DEFAULT)).plan(HostCapacity.ofCpus(64), List.of(r)).vms().getFirst();
        assertThat(s.plan().stages()).isEqualTo(planned.stages());
        assertThat(s.plan().stage(StageKind.VCPU).threads()).isEqualTo(4);
        long millionths = s.request().dlBandwidthMicroCpus();
        assertThat(millionths / 1e6).isGreaterThanOrEqualTo(planned.bandwidth().cpus()).isLessThan(planned.bandwidth().cpus() + 1e-6);
        assertThat(s.request().vcpus()).isEqualTo(4);
        assertThat(s.request().memoryMb()).isEqualTo(4096);
        assertThat(s.plan().delayBoundNs()).isBetween(1L, 5_000_000L);
    }

    @Test
    void withoutACostModelItAsksForItsExplicitReservations() {
        VmFile v = vm(10_000, 5_000_000L, 2, Map.of(StageKind.VCPU, Reservation.of(2_000_000, 10_000_000)));
        FleetRequest.Sized s = fleet.size(v, Optional.empty());
        assertThat(s.request().dlBandwidthMicroCpus()).isBetween(399_999L, 400_000L);
        assertThatThrownBy(() -> fleet.size(vm(10_000, 5_000_000L, 2, Map.of()), Optional.empty()))
                .isInstanceOf(InvalidInputException.class).hasMessageContaining("costModel").hasMessageContaining("fix:");
    }

    @Test
    void refusesWhatNoReservationOrNoHostOfTheShapeCanTake() {
        assertThatThrownBy(() -> fleet.size(vm(2_000_000, 5_000_000L, 1, Map.of()), Optional.of(COSTS)))
                .isInstanceOf(FleetRefusedException.class).hasMessageContaining("fix:");
        HostCapacity twoPartitioned = new HostCapacity(HostCapacity.ofCpus(2).rootDomains(), 0.1, true, true);
        assertThatThrownBy(() -> fleet.size(vm(150_000, 5_000_000L, 1, Map.of()), Optional.of(COSTS), twoPartitioned))
                .isInstanceOf(FleetRefusedException.class).hasMessageContaining("no host of 2 CPUs (partitioned)");
        assertThat(fleet.size(vm(1_000, 20_000_000L, 1, Map.of()), Optional.of(COSTS), twoPartitioned).request().dlBandwidthMicroCpus()).isPositive();
    }
}
