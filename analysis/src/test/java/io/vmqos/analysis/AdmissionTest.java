package io.vmqos.analysis;

import io.vmqos.core.CpuBandwidth;
import io.vmqos.core.HostCapacity;
import io.vmqos.core.NetworkSla;
import io.vmqos.core.Placement;
import io.vmqos.core.Refusal.Constraint;
import io.vmqos.core.Reservation;
import io.vmqos.core.RootDomain;
import io.vmqos.core.StageKind;
import io.vmqos.core.StageReservation;
import io.vmqos.core.VmPlan;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;

import static org.assertj.core.api.Assertions.assertThat;

class AdmissionTest {
    private static final NetworkSla SLA = new NetworkSla(1_000, 64, 0, 10_000_000);

    static VmPlan plan(String vm, Reservation napi, Reservation io, Reservation vcpu) {
        return new VmPlan(vm, SLA, List.of(
                new StageReservation(StageKind.NAPI, napi, 0, 0),
                new StageReservation(StageKind.IO, io, 0, 0),
                new StageReservation(StageKind.VCPU, vcpu, 0, 0)), 0, 0);
    }

    /** One domain of {@code cpus} CPUs, rt 1 s / 1 s (cap = 1 CPU per CPU), no reserve, {@code held} by others. */
    static HostCapacity host(int cpus, long held, boolean partitioned, double reserve) {
        return host(cpus, CpuBandwidth.ofKernelUnits(held), partitioned, reserve);
    }

    static HostCapacity host(int cpus, CpuBandwidth held, boolean partitioned, double reserve) {
        TreeSet<Integer> set = new TreeSet<>();
        for (int i = 0; i < cpus; i++) set.add(i);
        return new HostCapacity(List.of(new RootDomain("rd", set, 1_000_000_000L, 1_000_000_000L, held, new TreeMap<>())), reserve, partitioned);
    }

    @Test
    void exactlyFullIsAdmitted() {
        // 0.5 + 0.25 + 0.25 = exactly one CPU = 2^20; the kernel admits when total <= cap (__dl_overflow uses <).
        VmPlan full = plan("a", Reservation.of(500_000, 1_000_000), Reservation.of(250_000, 1_000_000), Reservation.of(250_000, 1_000_000));
        assertThat(full.bandwidth()).isEqualTo(CpuBandwidth.ONE_CPU);
        Admission adm = new Admission(host(1, 0, false, 0));
        assertThat(adm.admit(full, null)).isInstanceOf(AdmissionDecision.Admitted.class);
        assertThat(adm.remaining("rd")).isEqualTo(CpuBandwidth.ZERO);
    }

    @Test
    void oneFixedPointUnitOverIsRefused() {
        VmPlan full = plan("a", Reservation.of(500_000, 1_000_000), Reservation.of(250_000, 1_000_000), Reservation.of(250_000, 1_000_000));
        AdmissionDecision d = new Admission(host(1, 1, false, 0)).admit(full, null);
        assertThat(d).isInstanceOf(AdmissionDecision.Rejected.class);
        AdmissionDecision.Rejected r = (AdmissionDecision.Rejected) d;
        assertThat(r.constraint()).isEqualTo(Constraint.ROOT_DOMAIN_BANDWIDTH);
        assertThat(r.needed()).isEqualTo(CpuBandwidth.ONE_CPU);
        assertThat(r.available()).isEqualTo(CpuBandwidth.ONE_CPU.minus(CpuBandwidth.ofKernelUnits(1)));
    }

    @Test
    void oneNanosecondOverIsRefused() {
        // 500 001 ns / 1 ms = 524 289.05 → 524 289 in fixed point: one unit above the half CPU.
        VmPlan over = plan("a", Reservation.of(500_001, 1_000_000), Reservation.of(250_000, 1_000_000), Reservation.of(250_000, 1_000_000));
        assertThat(over.bandwidth()).isEqualTo(CpuBandwidth.ONE_CPU.plus(CpuBandwidth.ofKernelUnits(1)));
        AdmissionDecision d = new Admission(host(1, 0, false, 0)).admit(over, null);
        assertThat(((AdmissionDecision.Rejected) d).constraint()).isEqualTo(Constraint.ROOT_DOMAIN_BANDWIDTH);
    }

    @Test
    void defaultCapAndReserveOnTwoCpus() {
        // rt 950 ms / 1 s: to_ratio = floor(0.95 × 2^20) = 996 147 per CPU, 1 992 294 for two;
        // 10% reserve rounded up = 199 230; usable 1 793 064.
        HostCapacity h = HostCapacity.ofCpus(2);
        assertThat(h.rootDomains().getFirst().capacity()).isEqualTo(CpuBandwidth.ofKernelUnits(1_992_294));
        assertThat(h.reserveOf(CpuBandwidth.ofKernelUnits(1_992_294))).isEqualTo(CpuBandwidth.ofKernelUnits(199_230));
        assertThat(new Admission(h).remaining("root")).isEqualTo(CpuBandwidth.ofKernelUnits(1_793_064));
    }

    @Test
    void constrainedDeadlineKernelAdmitsButDensityRefuses() {
        // NAPI 250 us every 1 ms within 500 us: bandwidth 0.25 but density 0.5. With IO and VCPU at 0.25 each,
        // the kernel's Σ Q/P = 0.75 fits one CPU, and Σ Q/D = 1.0 exactly fits EDF's density test.
        VmPlan exactly = plan("a", new Reservation(250_000, 500_000, 1_000_000), Reservation.of(250_000, 1_000_000), Reservation.of(250_000, 1_000_000));
        AdmissionDecision ok = new Admission(host(1, 0, true, 0)).admit(exactly, null);
        assertThat(ok).isInstanceOf(AdmissionDecision.Admitted.class);
        assertThat(((AdmissionDecision.Admitted) ok).placements()).extracting(Placement::cpu).containsOnly(0);
        // One more nanosecond of runtime: bandwidth still 0.75 + ε for the kernel, density above 1 → refused.
        VmPlan over = plan("a", new Reservation(250_001, 500_000, 1_000_000), Reservation.of(250_000, 1_000_000), Reservation.of(250_000, 1_000_000));
        assertThat(over.bandwidth()).isLessThan(CpuBandwidth.ONE_CPU);
        AdmissionDecision d = new Admission(host(1, 0, true, 0)).admit(over, null);
        assertThat(((AdmissionDecision.Rejected) d).constraint()).isEqualTo(Constraint.CPU_DENSITY);
        // Under global EDF on one CPU the GFB test is the uniprocessor density test: same verdict.
        AdmissionDecision g = new Admission(host(1, 0, false, 0)).admit(over, null);
        assertThat(((AdmissionDecision.Rejected) g).constraint()).isEqualTo(Constraint.GLOBAL_EDF_DENSITY);
    }

    @Test
    void partitionedFirstFitDecreasing() {
        // Densities 0.6, 0.5, 0.3 on two CPUs: FFD puts 0.6 on cpu0, 0.5 on cpu1, 0.3 on cpu0.
        VmPlan p = plan("a", Reservation.of(300_000, 1_000_000), Reservation.of(600_000, 1_000_000), Reservation.of(500_000, 1_000_000));
        AdmissionDecision.Admitted a = (AdmissionDecision.Admitted) new Admission(host(2, 0, true, 0)).admit(p, null);
        assertThat(a.placements()).extracting(Placement::stage, Placement::cpu)
                .containsExactly(org.assertj.core.groups.Tuple.tuple(StageKind.IO, 0), org.assertj.core.groups.Tuple.tuple(StageKind.VCPU, 1),
                        org.assertj.core.groups.Tuple.tuple(StageKind.NAPI, 0));
    }

    @Test
    void globalEdfDensityTestOnTwoCpus() {
        // GFB: Σδ <= m − (m−1)·δmax. m = 2, δmax = 0.75: bound 1.25. 0.75 + 0.25 + 0.25 = 1.25 admitted,
        // the kernel's cap of 2 CPUs would admit much more.
        VmPlan a = plan("a", Reservation.of(750_000, 1_000_000), Reservation.of(250_000, 1_000_000), Reservation.of(250_000, 1_000_000));
        Admission adm = new Admission(host(2, 0, false, 0));
        assertThat(adm.admit(a, null)).isInstanceOf(AdmissionDecision.Admitted.class);
        VmPlan b = plan("b", Reservation.of(1_024, 1_000_000), Reservation.of(1_024, 1_000_000), Reservation.of(1_024, 1_000_000));
        AdmissionDecision.Rejected r = (AdmissionDecision.Rejected) adm.admit(b, null);
        assertThat(r.constraint()).isEqualTo(Constraint.GLOBAL_EDF_DENSITY);
        assertThat(r.available()).isEqualTo(CpuBandwidth.ofCpus(2 - 0.75));
    }

    @Test
    void othersPinnedToACpuAreCounted() {
        TreeSet<Integer> set = new TreeSet<>(List.of(0, 1));
        RootDomain rd = new RootDomain("rd", set, 1_000_000_000L, 1_000_000_000L, CpuBandwidth.ofCpus(0.5), new TreeMap<>(Map.of(0, CpuBandwidth.ofCpus(0.5))));
        Admission adm = new Admission(new HostCapacity(List.of(rd), 0, true));
        VmPlan p = plan("a", Reservation.of(600_000, 1_000_000), Reservation.of(100_000, 1_000_000), Reservation.of(100_000, 1_000_000));
        AdmissionDecision.Admitted a = (AdmissionDecision.Admitted) adm.admit(p, null);
        // 0.6 does not fit next to the others' 0.5 on cpu0.
        assertThat(a.placements().getFirst()).isEqualTo(new Placement("a", StageKind.NAPI, "rd", 1));
    }
}
