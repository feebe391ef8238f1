package io.vmqos.agent;

import io.vmqos.core.CpuBandwidth;
import io.vmqos.core.HostPlan;
import io.vmqos.core.Refusal;
import io.vmqos.core.Reservation;
import io.vmqos.core.StageKind;
import io.vmqos.core.StageReservation;
import io.vmqos.core.VmPlan;
import io.vmqos.core.desired.DesiredState;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.OptionalLong;
import java.util.Set;
import java.util.TreeMap;

import static org.assertj.core.api.Assertions.assertThat;

/** {@link LibvirtHook}: which libvirt calls matter, and admission from the plans with and without the domain. */
class LibvirtHookTest {
    static DesiredState plan(List<String> admitted, List<String> refused) {
        List<VmPlan> vms = admitted.stream().map(v -> new VmPlan(v, null,
                List.of(new StageReservation(StageKind.VCPU, Reservation.parse("r", "1ms/10ms"), -1, 20_000_000L, 2)), -1, -1)).toList();
        List<Refusal> refusals = refused.stream().map(v -> new Refusal(v, Refusal.Constraint.ROOT_DOMAIN_BANDWIDTH,
                new Refusal.BandwidthShortfall(CpuBandwidth.ofCpus(1.9), CpuBandwidth.ofCpus(1.2)), OptionalLong.empty(), OptionalLong.empty(),
                "root domain 0-1 has 1.2 CPU free, " + v + " needs 1.9")).toList();
        HostPlan p = new HostPlan(vms, List.of(), CpuBandwidth.ZERO, new TreeMap<>(), new TreeMap<>(), refusals);
        return new DesiredState(List.of(), List.of(), List.of(), List.of(), List.of(), Set.of(), p, Set.of(), List.of());
    }

    @Test
    void onlyFourCallsMatter() {
        assertThat(LibvirtHook.event("prepare", "begin")).contains(LibvirtHook.Event.ADMIT);
        assertThat(LibvirtHook.event("migrate", "begin")).contains(LibvirtHook.Event.ADMIT);
        assertThat(LibvirtHook.event("started", "begin")).contains(LibvirtHook.Event.STARTED);
        assertThat(LibvirtHook.event("release", "end")).contains(LibvirtHook.Event.RELEASED);
        for (String[] other : new String[][] {{"start", "begin"}, {"stopped", "end"}, {"reconnect", "begin"}, {"attach", "begin"},
                {"restore", "begin"}, {"prepare", "end"}, {"release", "begin"}}) {
            assertThat(LibvirtHook.event(other[0], other[1])).as(String.join(" ", other)).isEmpty();
        }
    }

    @Test
    void aDomainThatFitsIsAdmittedWithWhatItReserves() {
        LibvirtHook.Answer a = LibvirtHook.admission("web", false, plan(List.of("db"), List.of()), plan(List.of("db", "web"), List.of()));
        assertThat(a.ok()).isTrue();
        assertThat(a.message()).startsWith("admitted: 20.0% of a CPU");
    }

    @Test
    void aDomainThatDoesNotFitIsRefusedWithThePlannersReason() {
        LibvirtHook.Answer a = LibvirtHook.admission("web", false, plan(List.of("db"), List.of()), plan(List.of("db"), List.of("web")));
        assertThat(a.ok()).isFalse();
        assertThat(a.answered()).isTrue();
        assertThat(a.message()).contains("web needs 1.9");
    }

    @Test
    void aDomainNeverTakesARunningVmsPlace() {
        // planned in name order, "a-new" would be admitted and "db" refused: refused instead
        LibvirtHook.Answer a = LibvirtHook.admission("a-new", false, plan(List.of("db"), List.of()), plan(List.of("a-new"), List.of("db")));
        assertThat(a.ok()).isFalse();
        assertThat(a.message()).contains("taking the reservations of db");
        // a VM already refused before is not the newcomer's fault
        assertThat(LibvirtHook.admission("a-new", false, plan(List.of(), List.of("db")), plan(List.of("a-new"), List.of("db"))).ok()).isTrue();
    }

    @Test
    void aDomainTheFileConfiguresIsPlannedAsTheFileSays() {
        assertThat(LibvirtHook.admission("web", true, plan(List.of("web"), List.of()), plan(List.of("web"), List.of())).message())
                .startsWith("planned as host.yaml's VM web");
    }
}
