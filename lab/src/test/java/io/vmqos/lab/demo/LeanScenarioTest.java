package io.vmqos.lab.demo;

import io.vmqos.core.CostModel;
import io.vmqos.core.Reservation;
import io.vmqos.core.StageCost;
import io.vmqos.core.StageKind;
import io.vmqos.core.config.VmConfig;
import io.vmqos.host.config.HostConfigParser;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/** The lean scenario's pure parts: the host.yaml it gives the agent, and the bound its floors keep. */
class LeanScenarioTest {
    @TempDir Path tmp;

    static final CostModel LIVE = new CostModel(Map.of(StageKind.IO, new StageCost(35_000, 0), StageKind.VCPU, new StageCost(100_000, 0)));

    @Test
    void theHostYamlParsesToTheFloorsWithReclaimAdaptiveAndTheCeiling() throws Exception {
        DemoBound.Sized floors = DemoBound.size(LIVE, 1000, 64, 20_000_000L, io.vmqos.core.KernelLimits.DEFAULT);
        LeanScenario.Sizing s = new LeanScenario.Sizing(floors.vcpu(), floors.io(), LIVE, 0.45, "test");
        Path qmp = tmp.resolve("vm.qmp"), cfg = tmp.resolve("host.yaml");
        Files.writeString(cfg, LeanScenario.hostYaml(qmp, s));
        VmConfig vm = new HostConfigParser(io.vmqos.core.KernelLimits.DEFAULT).parse(cfg).vms().getFirst();
        assertThat(vm.name()).isEqualTo("demo");
        assertThat(vm.reclaim()).isTrue();
        assertThat(vm.adaptive()).isTrue();
        assertThat(vm.reclaimCeilingCpus()).isEqualTo(0.45);
        // written as Durations.format gives them, read back within a nanosecond per microsecond printed
        assertThat(vm.explicit().get(StageKind.VCPU).periodNs()).isEqualTo(s.vcpuFloor().periodNs());
        assertThat(vm.explicit().get(StageKind.VCPU).runtimeNs()).isCloseTo(s.vcpuFloor().runtimeNs(), org.assertj.core.data.Offset.offset(1000L));
        assertThat(vm.explicit().get(StageKind.IO).runtimeNs()).isCloseTo(s.ioFloor().runtimeNs(), org.assertj.core.data.Offset.offset(1000L));
    }

    @Test
    void theFloorsCarryThePacketsAndKeepTheRoundTripAskedFor() {
        DemoBound.Sized floors = DemoBound.size(LIVE, 1000, 64, 20_000_000L, io.vmqos.core.KernelLimits.DEFAULT);
        // 2000 packets/s through each stage: vcpu 20% of a CPU, io 7%; the floors carry them with room for the latency
        assertThat(floors.vcpu().bandwidth().cpus()).isGreaterThan(0.20).isLessThan(0.30);
        assertThat(floors.io().bandwidth().cpus()).isGreaterThan(0.07).isLessThan(0.12);
        LeanScenario.Sizing s = new LeanScenario.Sizing(floors.vcpu(), floors.io(), LIVE, 0.45, "test");
        long rtt = LeanScenario.bound(s, 1000, 64).roundTripNs();
        assertThat(rtt).isPositive().isLessThanOrEqualTo(20_000_000L);
        // a floor at the packets' work alone carries nothing: no bound
        LeanScenario.Sizing bare = new LeanScenario.Sizing(Reservation.of(1_000_000, 5_000_000), Reservation.of(350_000, 5_000_000), LIVE, 0.45, "test");
        assertThat(LeanScenario.bound(bare, 1000, 64).roundTripNs()).isEqualTo(Long.MAX_VALUE);
    }
}
