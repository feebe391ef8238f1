package io.vmqos.analysis;

import io.vmqos.core.CpuBandwidth;
import io.vmqos.core.HostCapacity;
import io.vmqos.core.HostPlan;
import io.vmqos.core.KernelLimits;
import io.vmqos.core.NetworkSla;
import io.vmqos.core.Refusal;
import io.vmqos.core.VmPlan;
import io.vmqos.core.VmRequest;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class PlannerTest {
    private final Planner planner = new Planner(new Sizer(KernelLimits.DEFAULT, SizingPolicy.DEFAULT));

    static List<VmRequest> vms(int n) {
        List<VmRequest> out = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            out.add(VmRequest.of(String.format("vm%03d", i), new NetworkSla(5_000 + 1_000L * (i % 7), 1500, 4 + i % 5, 2_000_000 + 500_000L * (i % 3)), SizerTest.COSTS));
        }
        return out;
    }

    @Test
    void admitsWhatFitsAndExplainsTheRest() {
        HostPlan r = planner.plan(HostCapacity.ofCpus(2), vms(30));
        assertThat(r.vms()).isNotEmpty();
        assertThat(r.refusals()).isNotEmpty();
        assertThat(r.vms().size() + r.refusals().size()).isEqualTo(30);
        for (VmPlan p : r.vms()) assertThat(p.delayBoundNs()).isLessThanOrEqualTo(p.sla().latencyBoundNs());
        CpuBandwidth usable = CpuBandwidth.ofKernelUnits(1_793_064);
        assertThat(r.totalBandwidth()).isLessThanOrEqualTo(usable);
        assertThat(r.remainingPerRootDomain().get("root")).isEqualTo(usable.minus(r.totalBandwidth()));
        Refusal first = r.refusals().getFirst();
        System.out.println(first.message());
        assertThat(first.constraint()).isIn(Refusal.Constraint.ROOT_DOMAIN_BANDWIDTH, Refusal.Constraint.GLOBAL_EDF_DENSITY);
        assertThat(first.shortfall().isPositive()).isTrue();
        assertThat(first.message()).contains(first.vm());
    }

    @Test
    void largestRateReportedWouldBeAdmitted() {
        // One VM alone on a host that can only take part of it.
        VmRequest big = VmRequest.of("big", new NetworkSla(150_000, 1500, 8, 5_000_000), SizerTest.COSTS);
        HostPlan r = planner.plan(HostCapacity.ofCpus(1), List.of(big));
        assertThat(r.complete()).isFalse();
        Refusal ref = r.refusals().getFirst();
        System.out.println(ref.message());
        assertThat(ref.largestRatePps()).isPresent();
        long ok = ref.largestRatePps().getAsLong();
        assertThat(planner.plan(HostCapacity.ofCpus(1), List.of(VmRequest.of("big", big.sla().withRatePps(ok), SizerTest.COSTS))).complete()).isTrue();
        assertThat(planner.plan(HostCapacity.ofCpus(1), List.of(VmRequest.of("big", big.sla().withRatePps(ok + 1), SizerTest.COSTS))).complete()).isFalse();
    }

    @Test
    void deterministicAndOrderIndependent() {
        List<VmRequest> in = vms(40);
        HostPlan a = planner.plan(HostCapacity.ofCpus(2), in);
        HostPlan b = planner.plan(HostCapacity.ofCpus(2), in);
        List<VmRequest> shuffled = new ArrayList<>(in);
        Collections.shuffle(shuffled, new Random(42));
        HostPlan c = planner.plan(HostCapacity.ofCpus(2), shuffled);
        assertThat(b).isEqualTo(a);
        assertThat(c).isEqualTo(a);
    }

    @Test
    void duplicateNamesAreRefused() {
        List<VmRequest> in = List.of(vms(1).getFirst(), vms(1).getFirst());
        assertThatThrownBy(() -> planner.plan(HostCapacity.ofCpus(2), in)).hasMessageContaining("appears twice");
    }
}
