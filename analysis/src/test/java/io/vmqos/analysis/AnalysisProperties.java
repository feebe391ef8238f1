package io.vmqos.analysis;

import io.vmqos.core.CostModel;
import io.vmqos.core.CpuBandwidth;
import io.vmqos.core.HostCapacity;
import io.vmqos.core.HostPlan;
import io.vmqos.core.KernelLimits;
import io.vmqos.core.NetworkSla;
import io.vmqos.core.Reservation;
import io.vmqos.core.RootDomain;
import io.vmqos.core.StageCost;
import io.vmqos.core.StageKind;
import io.vmqos.core.StageReservation;
import io.vmqos.core.VmPlan;
import io.vmqos.core.VmRequest;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.From;
import net.jqwik.api.constraints.Size;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.DoubleRange;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.constraints.LongRange;

import java.util.ArrayList;
import java.util.Collections;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import java.util.TreeSet;

import static org.assertj.core.api.Assertions.assertThat;

class AnalysisProperties {
    private static final Sizer SIZER = new Sizer(KernelLimits.DEFAULT, SizingPolicy.DEFAULT);
    private static final long O = SizingPolicy.DEFAULT.overheadPerActivationNs();

    // ---- supply and delay bounds ----

    @Property
    void sbfIsAboveItsLinearBoundAndMonotone(@ForAll @LongRange(min = 1, max = 1000) long q, @ForAll @LongRange(min = 0, max = 1000) long slack,
                                             @ForAll @LongRange(min = 0, max = 1000) long dSlack, @ForAll @DoubleRange(min = 0, max = 10_000) double t) {
        long d = q + slack, p = d + dSlack;
        PeriodicResource pr = new PeriodicResource(q, d, p);
        assertThat(pr.sbf(t)).isGreaterThanOrEqualTo(pr.linearBound().value(t) - 1e-6);
        assertThat(pr.sbf(t + 1)).isGreaterThanOrEqualTo(pr.sbf(t));
        assertThat(pr.sbf(pr.timeToSupply(t))).isGreaterThanOrEqualTo(t - 1e-6);
    }

    @Property
    void exactDelayNeverAboveLinear(@ForAll @LongRange(min = 1, max = 1000) long q, @ForAll @LongRange(min = 0, max = 1000) long slack,
                                    @ForAll @DoubleRange(min = 0, max = 1) double rateShare, @ForAll @DoubleRange(min = 0, max = 5000) double burst) {
        PeriodicResource pr = new PeriodicResource(q, q + slack, q + slack);
        TokenBucket w = new TokenBucket(pr.rate() * rateShare, burst);
        assertThat(pr.delayBound(w)).isLessThanOrEqualTo(pr.linearBound().delayBound(w) + 1e-6);
    }

    @Property
    void exactDelayIsTheWorstSampledDelay(@ForAll @LongRange(min = 1, max = 50) long q, @ForAll @LongRange(min = 0, max = 50) long slack,
                                          @ForAll @DoubleRange(min = 0.01, max = 1) double rateShare, @ForAll @DoubleRange(min = 0, max = 200) double burst) {
        PeriodicResource pr = new PeriodicResource(q, q + slack, q + slack);
        TokenBucket w = new TokenBucket(pr.rate() * rateShare, burst);
        double h = pr.delayBound(w);
        for (double s = 0; s < 20 * pr.periodNs(); s += 0.37) {
            double delay = pr.timeToSupply(w.value(s) + (s == 0 ? w.burst() : 0)) - s;
            assertThat(delay).isLessThanOrEqualTo(h + 1e-6);
        }
    }

    @Property
    void boundNeverFallsWhenRateOrBurstGrowsOrReservationShrinks(
            @ForAll @LongRange(min = 1_000, max = 50_000) long pps, @ForAll @LongRange(min = 0, max = 10_000) long morePps,
            @ForAll @IntRange(min = 0, max = 64) int burst, @ForAll @IntRange(min = 0, max = 64) int moreBurst,
            @ForAll @LongRange(min = 0, max = 50_000) long lessRuntime) {
        CostModel costs = SizerTest.COSTS;
        Map<StageKind, Reservation> res = new EnumMap<>(StageKind.class);
        res.put(StageKind.NAPI, Reservation.of(150_000, 1_000_000));
        res.put(StageKind.IO, Reservation.of(250_000, 1_000_000));
        res.put(StageKind.VCPU, Reservation.of(400_000, 2_000_000));
        NetworkSla sla = new NetworkSla(pps, 1500, burst, 1_000_000_000);
        long base = PipelineAnalysis.analyse(sla, costs, res, O).delayBoundNs();
        assertThat(PipelineAnalysis.analyse(sla.withRatePps(pps + morePps), costs, res, O).delayBoundNs()).isGreaterThanOrEqualTo(base);
        assertThat(PipelineAnalysis.analyse(new NetworkSla(pps, 1500, burst + moreBurst, 1_000_000_000), costs, res, O).delayBoundNs()).isGreaterThanOrEqualTo(base);
        Map<StageKind, Reservation> smaller = new EnumMap<>(res);
        smaller.put(StageKind.IO, Reservation.of(250_000 - lessRuntime, 1_000_000));
        assertThat(PipelineAnalysis.analyse(sla, costs, smaller, O).delayBoundNs()).isGreaterThanOrEqualTo(base);
    }

    // ---- sizing ----

    @Provide
    Arbitrary<NetworkSla> slas() {
        return Combinators.combine(
                Arbitraries.longs().between(100, 200_000),
                Arbitraries.of(64, 512, 1500, 9000),
                Arbitraries.longs().between(0, 256),
                Arbitraries.longs().between(20_000, 100_000_000)).as(NetworkSla::new);
    }

    @Provide
    Arbitrary<CostModel> costModels() {
        Arbitrary<StageCost> cost = Combinators.combine(Arbitraries.doubles().between(50, 5_000), Arbitraries.doubles().between(0, 2)).as(StageCost::new);
        return Combinators.combine(cost, cost, cost).as(CostModel::of);
    }

    @Property(tries = 300)
    void sizingMeetsItsOwnBound(@ForAll("slas") NetworkSla sla, @ForAll("costModels") CostModel costs) {
        SizingOutcome out = SIZER.size("p", sla, costs);
        if (!(out instanceof SizingOutcome.Fits f)) {
            assertThat(((SizingOutcome.Refused) out).refusal().shortfall().isPositive()).isTrue();
            return;
        }
        VmPlan plan = f.plan();
        Map<StageKind, Reservation> res = SizerTest.reservations(plan);
        PipelineBound again = PipelineAnalysis.analyse(sla, costs, res, O);
        assertThat(again.delayBoundNs()).isEqualTo(plan.delayBoundNs()).isLessThanOrEqualTo(sla.latencyBoundNs());
        assertThat(again.linearDelayNs()).isLessThanOrEqualTo(sla.latencyBoundNs());
        for (StageReservation s : plan.stages()) {
            s.reservation().validate("p", KernelLimits.DEFAULT);
            assertThat(s.guaranteedRatePps()).isGreaterThanOrEqualTo(sla.ratePps());
        }
    }

    // ---- admission ----

    @Provide
    Arbitrary<Reservation> reservations() {
        return Arbitraries.longs().between(100_000, 10_000_000).flatMap(p ->
                Arbitraries.longs().between(1_024, p).flatMap(d ->
                        Arbitraries.longs().between(1_024, d).map(q -> new Reservation(q, d, p))));
    }

    @Property(tries = 300)
    void admissionNeverAdmitsAboveCapacity(@ForAll @Size(max = 30) List<@From("reservations") Reservation> rs, @ForAll boolean partitioned,
                                           @ForAll @IntRange(min = 1, max = 4) int cpus, @ForAll @DoubleRange(min = 0, max = 0.5) double reserve,
                                           @ForAll @LongRange(min = 0, max = 500_000) long held) {
        TreeSet<Integer> set = new TreeSet<>();
        for (int i = 0; i < cpus; i++) set.add(i);
        RootDomain rd = new RootDomain("rd", set, 950_000_000L, 1_000_000_000L, CpuBandwidth.ofKernelUnits(held), new TreeMap<>());
        HostCapacity host = new HostCapacity(List.of(rd), reserve, partitioned);
        Admission adm = new Admission(host);
        long admitted = 0;
        long[] perCpu = new long[cpus];
        for (int i = 0; i + 2 < rs.size(); i += 3) {
            VmPlan p = AdmissionTest.plan("v" + i, rs.get(i), rs.get(i + 1), rs.get(i + 2));
            if (adm.admit(p, null) instanceof AdmissionDecision.Admitted a) {
                admitted += p.bandwidth().kernelUnits();
                for (var pl : a.placements()) if (pl.pinned()) perCpu[pl.cpu()] += Admission.density(p.stage(pl.stage()));
            }
        }
        long limit = rd.capacity().minus(host.reserveOf(rd.capacity())).kernelUnits() - held;
        assertThat(admitted).isLessThanOrEqualTo(Math.max(0, limit));
        assertThat(adm.remaining("rd").kernelUnits()).isEqualTo(limit - admitted);
        long cpuLimit = rd.perCpuCapacity().minus(host.reserveOf(rd.perCpuCapacity())).kernelUnits();
        for (long used : perCpu) assertThat(used).isLessThanOrEqualTo(cpuLimit);
        if (!partitioned) assertThat(admitted + held).isLessThanOrEqualTo(CpuBandwidth.ONE_CPU.times(cpus).kernelUnits());
    }

    // ---- planning ----

    @Property(tries = 30)
    void planIsDeterministicAndOrderIndependent(@ForAll @Size(max = 12) List<@From("slas") NetworkSla> slas, @ForAll long seed, @ForAll boolean partitioned) {
        List<VmRequest> in = new ArrayList<>();
        for (int i = 0; i < slas.size(); i++) in.add(VmRequest.of("vm" + i, slas.get(i), SizerTest.COSTS));
        HostCapacity h = HostCapacity.ofCpus(2);
        h = new HostCapacity(h.rootDomains(), h.reserveFraction(), partitioned);
        Planner planner = new Planner(SIZER);
        HostPlan a = planner.plan(h, in);
        List<VmRequest> shuffled = new ArrayList<>(in);
        Collections.shuffle(shuffled, new Random(seed));
        assertThat(planner.plan(h, in)).isEqualTo(a);
        assertThat(planner.plan(h, shuffled)).isEqualTo(a);
    }
}
