package io.vmqos.lab.demo;

import io.vmqos.core.CostModel;
import io.vmqos.core.Reservation;
import io.vmqos.core.StageKind;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class DemoBoundTest {
    private final CostModel costs = DemoBound.fromMeasurement(0.10, 0.20, 1000); // 50 us and 100 us per packet

    @Test
    void costModelFromMeasurementSplitsTheShareOverBothDirections() {
        assertThat(costs.cpuNsPerPacket(StageKind.IO, 64)).isEqualTo(50_000.0);
        assertThat(costs.cpuNsPerPacket(StageKind.VCPU, 64)).isEqualTo(100_000.0);
    }

    @Test
    void boundIsFiniteAndAtLeastTheStarvationOfBothStagesTwice() {
        Reservation io = Reservation.parse("io", "1.5ms/5ms"), vcpu = Reservation.parse("vcpu", "2.5ms/5ms");
        DemoBound.Bound b = DemoBound.of(costs, io, vcpu, 1000, 64);
        assertThat(b.roundTripNs()).isLessThan(Long.MAX_VALUE);
        // each crossing waits at least the periodic resource's blackout once per stage: 2(P-Q) each, minus nothing
        long starvation = 2 * (5_000_000 - 1_500_000 + 5_000) + 2 * (5_000_000 - 2_500_000 + 5_000);
        assertThat(b.oneWay().delayBoundNs()).isGreaterThan(starvation / 2);
        assertThat(b.roundTripNs()).isEqualTo(2 * b.oneWay().delayBoundNs());
    }

    @Test
    void biggerReservationsNeverLoosenTheBoundAndTooSmallOnesGiveNone() {
        long small = DemoBound.of(costs, Reservation.parse("io", "1.5ms/5ms"), Reservation.parse("v", "2.5ms/5ms"), 1000, 64).roundTripNs();
        long big = DemoBound.of(costs, Reservation.parse("io", "2.5ms/5ms"), Reservation.parse("v", "3.5ms/5ms"), 1000, 64).roundTripNs();
        assertThat(big).isLessThanOrEqualTo(small);
        // io needs 2000 pkt/s x 50 us = 10% of a CPU: 5% cannot carry it
        assertThat(DemoBound.of(costs, Reservation.parse("io", "250us/5ms"), Reservation.parse("v", "3ms/5ms"), 1000, 64).roundTripNs())
                .isEqualTo(Long.MAX_VALUE);
    }

    @Test
    void sizedReservationsMeetTheAskedRoundTripAndCarryTheBackgroundLoad() {
        // background load: 2% and 7% of a CPU
        CostModel calibrated = new CostModel(java.util.Map.of(StageKind.IO, new io.vmqos.core.StageCost(30_000, 2, 2e7),
                StageKind.VCPU, new io.vmqos.core.StageCost(55_000, 5, 7e7)));
        DemoBound.Sized s = DemoBound.size(calibrated, 1000, 64, 20_000_000L, io.vmqos.core.KernelLimits.DEFAULT);
        DemoBound.Bound b = DemoBound.of(calibrated, s.ioPackets(), s.vcpuPackets(), 1000, 64);
        assertThat(b.roundTripNs()).isLessThanOrEqualTo(20_000_000L);
        // the kernel gets the packets' share plus the background load over max(P, 4ms)
        long extra = (long) Math.ceil(0.07 * Math.max(s.vcpuPackets().periodNs(), 4_000_000L));
        assertThat(s.vcpu().runtimeNs()).isEqualTo(s.vcpuPackets().runtimeNs() + extra);
        assertThat(s.vcpu().periodNs()).isEqualTo(s.vcpuPackets().periodNs());
        assertThat(s.io().bandwidth()).isGreaterThan(s.ioPackets().bandwidth());
    }

    @Test
    void anImpossibleRoundTripIsRefusedNamingLatency() {
        CostModel calibrated = new CostModel(java.util.Map.of(StageKind.IO, new io.vmqos.core.StageCost(30_000, 2),
                StageKind.VCPU, new io.vmqos.core.StageCost(55_000, 5)));
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> DemoBound.size(calibrated, 1000, 64, 100_000L,
                io.vmqos.core.KernelLimits.DEFAULT)).hasMessageContaining("--latency");
    }
}
