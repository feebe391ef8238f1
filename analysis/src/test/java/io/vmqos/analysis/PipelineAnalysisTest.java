package io.vmqos.analysis;

import io.vmqos.core.CostModel;
import io.vmqos.core.InvalidInputException;
import io.vmqos.core.NetworkSla;
import io.vmqos.core.Reservation;
import io.vmqos.core.StageCost;
import io.vmqos.core.StageKind;
import io.vmqos.core.StageReservation;
import org.junit.jupiter.api.Test;

import java.util.EnumMap;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Hand-worked pipeline bounds (overhead 5 µs per activation). */
class PipelineAnalysisTest {
    private static final NetworkSla SLA = new NetworkSla(100_000, 64, 10, 10_000_000);

    @Test
    void oneStageUsesTheExactSupplyWhereTighter() {
        // VCPU: 1000 ns per packet, 205 us / 1 ms → useful 200 us: R = 200 000 pps, T = 2(1 ms − 200 us) = 1.6 ms.
        // Linear (Sec. 1.4.1): 1.6 ms + 10 / 200 000 pps = 1.65 ms.
        // Exact: the burst (10 000 CPU ns) is served 1.6 ms + 10 us after it arrives; the next budget boundary
        // (α = 200 000 at s = 1.9 ms) gives 1.6 + 1 − 1.9 = 0.7 ms. Bound 1.61 ms.
        CostModel costs = new CostModel(Map.of(StageKind.VCPU, new StageCost(1_000, 0)));
        PipelineBound b = PipelineAnalysis.analyse(SLA, costs, Map.of(StageKind.VCPU, Reservation.of(205_000, 1_000_000)), 5_000);
        assertThat(b.linearDelayNs()).isEqualTo(1_650_000);
        assertThat(b.exactSequentialDelayNs()).isEqualTo(1_610_000);
        assertThat(b.delayBoundNs()).isEqualTo(1_610_000);
        // Backlog: min(b + rT, b + r·h) = min(10 + 1e-4 × 1.6e6, 10 + 1e-4 × 1.61e6) = 170 packets.
        assertThat(b.backlogBoundPackets()).isEqualTo(170);
        assertThat(b.stages()).containsExactly(new StageReservation(StageKind.VCPU, Reservation.of(205_000, 1_000_000), 200_000, 1_600_000));
    }

    @Test
    void twoStagesPayTheBurstOnce() {
        // NAPI: 500 ns per packet, 105 us / 1 ms → useful 100 us: R = 200 000 pps, T = 1.8 ms.
        // Concatenation (Thm 1.4.6): β_{200 000 pps, 3.4 ms}: 3.4 ms + 50 us = 3.45 ms.
        // Stage by stage on exact supplies: NAPI 1.805 ms, output burst 10 + 180.5 = 190.5 packets; VCPU then
        // peaks after the first budget boundary at 1.6 + 1 − 0.095 = 2.505 ms: 4.31 ms in total. Bound 3.45 ms.
        CostModel costs = new CostModel(Map.of(StageKind.NAPI, new StageCost(500, 0), StageKind.VCPU, new StageCost(1_000, 0)));
        Map<StageKind, Reservation> res = new EnumMap<>(StageKind.class);
        res.put(StageKind.NAPI, Reservation.of(105_000, 1_000_000));
        res.put(StageKind.VCPU, Reservation.of(205_000, 1_000_000));
        PipelineBound b = PipelineAnalysis.analyse(SLA, costs, res, 5_000);
        assertThat(b.linearDelayNs()).isEqualTo(3_450_000);
        assertThat(b.exactSequentialDelayNs()).isEqualTo(4_310_000);
        assertThat(b.delayBoundNs()).isEqualTo(3_450_000);
        assertThat(b.backlogBoundPackets()).isEqualTo(350);    // 10 + 1e-4 × 3.4e6
    }

    @Test
    void rateAboveAStageIsUnbounded() {
        CostModel costs = new CostModel(Map.of(StageKind.VCPU, new StageCost(1_000, 0)));
        PipelineBound b = PipelineAnalysis.analyse(SLA.withRatePps(200_001), costs, Map.of(StageKind.VCPU, Reservation.of(205_000, 1_000_000)), 5_000);
        assertThat(b.bounded()).isFalse();
        assertThat(b.delayBoundNs()).isEqualTo(Long.MAX_VALUE);
    }

    @Test
    void missingOrUselessReservationsAreNamed() {
        CostModel costs = new CostModel(Map.of(StageKind.VCPU, new StageCost(1_000, 0)));
        assertThatThrownBy(() -> PipelineAnalysis.analyse(SLA, costs, Map.of(), 5_000))
                .isInstanceOf(InvalidInputException.class).hasMessageContaining("reservations.VCPU");
        assertThatThrownBy(() -> PipelineAnalysis.analyse(SLA, costs, Map.of(StageKind.VCPU, Reservation.of(5_000, 1_000_000)), 5_000))
                .isInstanceOf(InvalidInputException.class).hasMessageContaining("overhead");
        assertThatThrownBy(() -> PipelineAnalysis.analyse(SLA, costs, Map.of(StageKind.VCPU, Reservation.of(50_000, 1_000_000), StageKind.IO, Reservation.of(50_000, 1_000_000)), 5_000))
                .isInstanceOf(InvalidInputException.class).hasMessageContaining("reservations.IO");
    }
}
