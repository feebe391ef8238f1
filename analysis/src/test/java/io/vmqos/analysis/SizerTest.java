package io.vmqos.analysis;

import io.vmqos.core.CostModel;
import io.vmqos.core.CpuBandwidth;
import io.vmqos.core.KernelLimits;
import io.vmqos.core.NetworkSla;
import io.vmqos.core.Refusal;
import io.vmqos.core.Reservation;
import io.vmqos.core.StageCost;
import io.vmqos.core.StageKind;
import io.vmqos.core.StageReservation;
import io.vmqos.core.VmPlan;
import org.junit.jupiter.api.Test;

import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

class SizerTest {
    static final CostModel COSTS = CostModel.of(new StageCost(1_000, 0), new StageCost(2_000, 0.5), new StageCost(3_000, 1));
    private final Sizer sizer = new Sizer(KernelLimits.DEFAULT, SizingPolicy.DEFAULT);

    @Test
    void sizesAllStagesAndMeetsTheBound() {
        // 20 000 pps of 1500 B, burst 16, 2 ms bound.
        NetworkSla sla = new NetworkSla(20_000, 1500, 16, 2_000_000);
        VmPlan plan = fits(sizer.size("web", sla, COSTS));
        System.out.println(plan);
        assertThat(plan.stages()).extracting(StageReservation::stage).containsExactly(StageKind.NAPI, StageKind.IO, StageKind.VCPU);
        assertThat(plan.delayBoundNs()).isLessThanOrEqualTo(2_000_000);
        for (StageReservation s : plan.stages()) {
            assertThat(s.guaranteedRatePps()).isGreaterThanOrEqualTo(20_000);
            assertThat(s.reservation().periodNs()).isBetween(100_000L, 2_000_000L);
            assertThat(s.reservation().periodNs() % 1_000).isZero();
            s.reservation().validate("t", KernelLimits.DEFAULT);
        }
        // Recomputing the bound from the output gives the same numbers.
        PipelineBound again = PipelineAnalysis.analyse(sla, COSTS, reservations(plan), SizingPolicy.DEFAULT.overheadPerActivationNs());
        assertThat(again.delayBoundNs()).isEqualTo(plan.delayBoundNs());
        assertThat(again.backlogBoundPackets()).isEqualTo(plan.backlogBoundPackets());
    }

    @Test
    void aLooserBoundNeedsNoMoreBandwidth() {
        NetworkSla tight = new NetworkSla(20_000, 1500, 16, 1_000_000);
        CpuBandwidth bwTight = fits(sizer.size("a", tight, COSTS)).bandwidth();
        CpuBandwidth bwLoose = fits(sizer.size("a", tight.withLatencyBoundNs(10_000_000), COSTS)).bandwidth();
        assertThat(bwLoose).isLessThanOrEqualTo(bwTight);
    }

    @Test
    void tooFastForOneThreadIsAStageRateRefusal() {
        // VCPU costs 3000 + 1500 = 4500 ns per packet: 250 000 pps needs 1.125 CPUs.
        Refusal r = refused(sizer.size("big", new NetworkSla(250_000, 1500, 1, 10_000_000), COSTS));
        assertThat(r.constraint()).isEqualTo(Refusal.Constraint.STAGE_RATE);
        Refusal.BandwidthShortfall s = (Refusal.BandwidthShortfall) r.shortfall();
        assertThat(s.needed()).isGreaterThan(s.available());
        // With margin 1.1 and 5 us per period, the most that fits is below 1e9 / (1.1 × 4500) ≈ 202 020 pps.
        assertThat(r.largestRatePps()).isPresent();
        assertThat(r.largestRatePps().getAsLong()).isBetween(150_000L, 202_020L);
        assertThat(fits(sizer.size("big", new NetworkSla(r.largestRatePps().getAsLong(), 1500, 1, 10_000_000), COSTS))).isNotNull();
        assertThat(r.message()).contains("VCPU").contains("fix");
    }

    @Test
    void unreachableLatencyIsRefusedWithTheSmallestThatFits() {
        // With periods of at least 100 us and 5 us overhead per activation a stage starves at least
        // 2 × 5 us = 10 us even at full bandwidth: three stages cannot meet 20 us.
        NetworkSla sla = new NetworkSla(10_000, 1500, 4, 20_000);
        Refusal r = refused(sizer.size("lat", sla, COSTS));
        assertThat(r.constraint()).isEqualTo(Refusal.Constraint.LATENCY_BOUND);
        assertThat(r.smallestLatencyBoundNs()).isPresent();
        long smallest = r.smallestLatencyBoundNs().getAsLong();
        assertThat(smallest).isGreaterThan(30_000);
        assertThat(r.shortfall()).isEqualTo(new Refusal.LatencyShortfall(smallest, 20_000));
        assertThat(sizer.feasible(sla.withLatencyBoundNs(smallest), COSTS, Map.of())).isTrue();
        assertThat(sizer.feasible(sla.withLatencyBoundNs(smallest - 1), COSTS, Map.of())).isFalse();
    }

    @Test
    void explicitReservationsAreKeptAndTheRestSized() {
        NetworkSla sla = new NetworkSla(20_000, 1500, 16, 3_000_000);
        Reservation napi = Reservation.of(100_000, 500_000);
        VmPlan plan = fits(sizer.size("x", sla, COSTS, Map.of(StageKind.NAPI, napi)));
        assertThat(plan.stage(StageKind.NAPI).reservation()).isEqualTo(napi);
        assertThat(plan.delayBoundNs()).isLessThanOrEqualTo(3_000_000);
    }

    @Test
    void explicitReservationTooSmallForTheRate() {
        NetworkSla sla = new NetworkSla(20_000, 1500, 16, 3_000_000);
        // NAPI needs 20 000 × 1000 ns = 2% of a CPU; 10 us / 1 ms less 5 us overhead gives 0.5%.
        Refusal r = refused(sizer.size("x", sla, COSTS, Map.of(StageKind.NAPI, Reservation.of(10_000, 1_000_000))));
        assertThat(r.constraint()).isEqualTo(Refusal.Constraint.STAGE_RATE);
        assertThat(r.largestRatePps()).hasValue(5_000);
    }

    @Test
    void explicitOnlyReservationsMissingTheBound() {
        CostModel one = new CostModel(Map.of(StageKind.VCPU, new StageCost(1_000, 0)));
        NetworkSla sla = new NetworkSla(1_000, 64, 0, 1_000_000);
        // 50 us / 10 ms: starvation 2(10 ms − 45 us) = 19.91 ms > 1 ms.
        Refusal r = refused(sizer.size("x", sla, one, Map.of(StageKind.VCPU, Reservation.of(50_000, 10_000_000))));
        assertThat(r.constraint()).isEqualTo(Refusal.Constraint.EXPLICIT_RESERVATION);
        assertThat(r.shortfall()).isEqualTo(new Refusal.LatencyShortfall(19_910_000, 1_000_000));
        assertThat(r.smallestLatencyBoundNs()).hasValue(19_910_000);
    }

    static Map<StageKind, Reservation> reservations(VmPlan plan) {
        java.util.EnumMap<StageKind, Reservation> m = new java.util.EnumMap<>(StageKind.class);
        for (StageReservation s : plan.stages()) m.put(s.stage(), s.reservation());
        return m;
    }

    static VmPlan fits(SizingOutcome o) {
        assertThat(o).isInstanceOf(SizingOutcome.Fits.class);
        return ((SizingOutcome.Fits) o).plan();
    }

    static Refusal refused(SizingOutcome o) {
        assertThat(o).isInstanceOf(SizingOutcome.Refused.class);
        Refusal r = ((SizingOutcome.Refused) o).refusal();
        System.out.println(r.message());
        return r;
    }
}
