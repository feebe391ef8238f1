package io.vmqos.analysis;

import io.vmqos.core.CostModel;
import io.vmqos.core.HostCapacity;
import io.vmqos.core.KernelLimits;
import io.vmqos.core.NetworkSla;
import io.vmqos.core.Reservation;
import io.vmqos.core.StageCost;
import io.vmqos.core.StageKind;
import io.vmqos.core.VmPlan;
import io.vmqos.core.VmRequest;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

class BackgroundLoadTest {
    @Test
    void widensByTheBackgroundShareOfMaxPeriodAndTick() {
        // 7% of a CPU over max(2ms, 4ms) = 280us more per period
        assertThat(BackgroundLoad.widen(Reservation.parse("r", "300us/2ms"), 7e7)).isEqualTo(Reservation.parse("r", "580us/2ms"));
        // over a 10ms period: 700us more
        assertThat(BackgroundLoad.widen(Reservation.parse("r", "1ms/10ms"), 7e7)).isEqualTo(Reservation.parse("r", "1.7ms/10ms"));
        // never past the deadline; no background, no change
        assertThat(BackgroundLoad.widen(Reservation.parse("r", "1.9ms/2ms"), 9e8).runtimeNs()).isEqualTo(2_000_000);
        assertThat(BackgroundLoad.widen(Reservation.parse("r", "1ms/10ms"), 0)).isEqualTo(Reservation.parse("r", "1ms/10ms"));
    }

    @Test
    void plannerAdmitsTheWidenedReservationsAndKeepsThePacketsBound() {
        CostModel quiet = new CostModel(Map.of(StageKind.IO, new StageCost(30_000, 2), StageKind.VCPU, new StageCost(55_000, 5)));
        CostModel busy = new CostModel(Map.of(StageKind.IO, new StageCost(30_000, 2, 2e7), StageKind.VCPU, new StageCost(55_000, 5, 7e7)));
        NetworkSla sla = new NetworkSla(2000, 64, 4, 10_000_000L);
        Planner planner = new Planner(new Sizer(KernelLimits.DEFAULT, SizingPolicy.DEFAULT));
        VmPlan a = planner.plan(HostCapacity.ofCpus(2), List.of(VmRequest.of("vm", sla, quiet))).vms().getFirst();
        VmPlan b = planner.plan(HostCapacity.ofCpus(2), List.of(VmRequest.of("vm", sla, busy))).vms().getFirst();
        assertThat(b.delayBoundNs()).isEqualTo(a.delayBoundNs());
        assertThat(b.stage(StageKind.VCPU).reservation().periodNs()).isEqualTo(a.stage(StageKind.VCPU).reservation().periodNs());
        assertThat(b.stage(StageKind.VCPU).reservation().runtimeNs()).isGreaterThan(a.stage(StageKind.VCPU).reservation().runtimeNs());
        assertThat(b.bandwidth()).isGreaterThan(a.bandwidth());
    }
}
