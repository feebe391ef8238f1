package io.vmqos.analysis;

import io.vmqos.analysis.SharedThreadSizing.SharedLoad;
import io.vmqos.core.CostModel;
import io.vmqos.core.InvalidInputException;
import io.vmqos.core.KernelLimits;
import io.vmqos.core.NetworkSla;
import io.vmqos.core.Reservation;
import io.vmqos.core.StageCost;
import io.vmqos.core.StageKind;
import io.vmqos.core.StageReservation;
import io.vmqos.core.VmPlan;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class SharedThreadSizingTest {
    private static final long O = SizingPolicy.DEFAULT.overheadPerActivationNs();
    private static final double M = SizingPolicy.DEFAULT.rateMargin();
    private final Sizer sizer = new Sizer(KernelLimits.DEFAULT, SizingPolicy.DEFAULT);

    /** VM i's leftover on the shared reservation, as a rate-latency curve in CPU time. */
    private static RateLatencyCurve leftover(Reservation shared, List<SharedLoad> loads, int i) {
        double r = 0, b = 0;
        for (int j = 0; j < loads.size(); j++) {
            if (j == i) continue;
            r += loads.get(j).work().rate();
            b += loads.get(j).work().burst();
        }
        RateLatencyCurve whole = PeriodicResource.of(shared, O).linearBound();
        double left = whole.rate() - r;
        return new RateLatencyCurve(left, whole.latencyNs() + (b + r * whole.latencyNs()) / left);
    }

    private VmPlan plan(String vm, NetworkSla sla, CostModel costs) {
        return ((SizingOutcome.Fits) sizer.size(vm, sla, costs)).plan();
    }

    private static SharedLoad napiLoad(VmPlan p, CostModel costs) {
        return new SharedLoad(p.vm(), p.sla().ratePps(), p.sla().burstPackets(), costs.cpuNsPerPacket(StageKind.NAPI, p.sla().packetBytes()),
                p.stage(StageKind.NAPI).reservation());
    }

    @Test
    void twoVmsOnOneNapiThreadKeepTheBoundsTheirOwnPlansComputed() {
        CostModel costs = SizerTest.COSTS;
        VmPlan a = plan("a", new NetworkSla(20_000, 1500, 16, 2_000_000), costs);
        VmPlan b = plan("b", new NetworkSla(5_000, 1500, 32, 10_000_000), costs);
        List<SharedLoad> loads = List.of(napiLoad(a, costs), napiLoad(b, costs));
        Reservation shared = SharedThreadSizing.size(loads, KernelLimits.DEFAULT, O, M).orElseThrow();
        System.out.println("napi a " + a.stage(StageKind.NAPI).reservation() + ", b " + b.stage(StageKind.NAPI).reservation() + " -> shared " + shared);
        shared.validate("t", KernelLimits.DEFAULT);
        for (int i = 0; i < 2; i++) {
            VmPlan p = i == 0 ? a : b;
            RateLatencyCurve own = PeriodicResource.of(p.stage(StageKind.NAPI).reservation(), O).linearBound();
            RateLatencyCurve left = leftover(shared, loads, i);
            assertThat(left.rate()).isGreaterThanOrEqualTo(own.rate());
            assertThat(left.latencyNs()).isLessThanOrEqualTo(own.latencyNs());
            // so the VM's end-to-end bound with the leftover in place of its own napi curve is still within its SLA
            Map<StageKind, Reservation> res = new EnumMap<>(StageKind.class);
            for (StageReservation s : p.stages()) res.put(s.stage(), s.reservation());
            double chainLatency = left.latencyNs(), minRate = left.rate() / costs.cpuNsPerPacket(StageKind.NAPI, 1500);
            for (StageKind k : List.of(StageKind.IO, StageKind.VCPU)) {
                RateLatencyCurve c = PeriodicResource.of(res.get(k), O).linearBound().inPackets(costs.cpuNsPerPacket(k, 1500));
                chainLatency += c.latencyNs();
                minRate = Math.min(minRate, c.rate());
            }
            double bound = new RateLatencyCurve(minRate, chainLatency).delayBound(new TokenBucket(p.sla().ratePps() / 1e9, p.sla().burstPackets()));
            assertThat(bound).isLessThanOrEqualTo(p.sla().latencyBoundNs());
        }
        // one thread for both costs more than either VM's own napi reservation, and it carries both rates with the margin
        assertThat(shared.bandwidth()).isGreaterThan(a.stage(StageKind.NAPI).reservation().bandwidth());
        double work = 25_000 * costs.cpuNsPerPacket(StageKind.NAPI, 1500) / 1e9;
        assertThat((shared.runtimeNs() - O) / (double) shared.periodNs()).isGreaterThanOrEqualTo(M * work);
    }

    @Test
    void aThreadOfOneVmNeedsNoMoreThanItsOwnReservation() {
        VmPlan a = plan("a", new NetworkSla(20_000, 1500, 16, 2_000_000), SizerTest.COSTS);
        Reservation own = a.stage(StageKind.NAPI).reservation();
        Reservation shared = SharedThreadSizing.size(List.of(napiLoad(a, SizerTest.COSTS)), KernelLimits.DEFAULT, O, M).orElseThrow();
        assertThat(shared.bandwidth()).isLessThanOrEqualTo(own.bandwidth());
    }

    @Test
    void moreThanOneCpuOfWorkHasNoReservation() {
        Reservation own = Reservation.of(700_000, 1_000_000);
        SharedLoad a = new SharedLoad("a", 200_000, 0, 3_000, own);
        SharedLoad b = new SharedLoad("b", 200_000, 0, 3_000, own);  // 1.2 CPUs together
        assertThat(SharedThreadSizing.size(List.of(a, b), KernelLimits.DEFAULT, O, M)).isEmpty();
    }

    @Test
    void badLoadsNameTheField() {
        Reservation own = Reservation.of(100_000, 1_000_000);
        assertThatThrownBy(() -> new SharedLoad("web", 0, 1, 1_000, own)).isInstanceOf(InvalidInputException.class)
                .hasMessageContaining("vms.web.sla.rate");
        assertThatThrownBy(() -> new SharedLoad("web", 10, 1, 1_000, null)).isInstanceOf(InvalidInputException.class)
                .hasMessageContaining("vms.web.napi");
    }

    @Property(tries = 200)
    void everyVmsLeftoverDominatesItsOwnCurve(@ForAll @IntRange(min = 1, max = 4) int vms,
                                              @ForAll @IntRange(min = 100, max = 40_000) int pps,
                                              @ForAll @IntRange(min = 0, max = 64) int burst,
                                              @ForAll @IntRange(min = 500, max = 8_000) int cost,
                                              @ForAll @IntRange(min = 1, max = 50) int boundMs) {
        CostModel costs = CostModel.of(new StageCost(cost, 0), new StageCost(2_000, 0), new StageCost(3_000, 0));
        List<SharedLoad> loads = new ArrayList<>();
        for (int i = 0; i < vms; i++) {
            var out = sizer.size("vm" + i, new NetworkSla(Math.max(1, pps / (i + 1)), 1500, burst + i, boundMs * 1_000_000L * (i + 1)), costs);
            if (!(out instanceof SizingOutcome.Fits f)) return;
            loads.add(napiLoad(f.plan(), costs));
        }
        var r = SharedThreadSizing.size(loads, KernelLimits.DEFAULT, O, M);
        if (r.isEmpty()) return;
        r.get().validate("t", KernelLimits.DEFAULT);
        for (int i = 0; i < vms; i++) {
            RateLatencyCurve own = PeriodicResource.of(loads.get(i).own(), O).linearBound();
            RateLatencyCurve left = leftover(r.get(), loads, i);
            assertThat(left.rate()).isGreaterThanOrEqualTo(own.rate() - 1e-12);
            assertThat(left.latencyNs()).isLessThanOrEqualTo(own.latencyNs() + 1e-6);
        }
    }
}
