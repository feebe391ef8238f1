package io.vmqos.core;

import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;
import java.util.TreeSet;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class SlaAndCostTest {
    @Test
    void bitRateIsRoundedUpToWholePackets() {
        // 100 Mbit/s of 1500-byte frames = 8333.33 pps → 8334 pps.
        NetworkSla s = NetworkSla.ofBitsPerSecond(100_000_000, 1500, 8, 2_000_000);
        assertThat(s.ratePps()).isEqualTo(8_334);
        assertThat(s.bitsPerSecond()).isGreaterThanOrEqualTo(100_000_000);
        assertThat(NetworkSla.ofBitsPerSecond(12_000, 1500, 0, 1).ratePps()).isEqualTo(1);
    }

    @Test
    void badSlaValuesNameTheField() {
        assertThatThrownBy(() -> new NetworkSla(0, 1500, 1, 1)).isInstanceOf(InvalidInputException.class).hasMessageContaining("sla.rate");
        assertThatThrownBy(() -> new NetworkSla(1, 0, 1, 1)).hasMessageContaining("sla.packetSize");
        assertThatThrownBy(() -> new NetworkSla(1, 64, -1, 1)).hasMessageContaining("sla.burst");
        assertThatThrownBy(() -> new NetworkSla(1, 64, 1, 0)).hasMessageContaining("sla.latency");
    }

    @Test
    void costPerPacketAddsPerByte() {
        StageCost c = new StageCost(800, 0.25);
        assertThat(c.cpuNsPerPacket(1500)).isEqualTo(1175.0);
        CostModel m = new CostModel(Map.of(StageKind.VCPU, c, StageKind.NAPI, new StageCost(100, 0)));
        assertThat(m.kinds()).containsExactly(StageKind.NAPI, StageKind.VCPU);
        assertThatThrownBy(() -> m.cost(StageKind.IO)).hasMessageContaining("costModel.IO");
        assertThatThrownBy(() -> new StageCost(0, 0)).isInstanceOf(InvalidInputException.class);
        assertThatThrownBy(() -> new StageCost(-1, 0)).isInstanceOf(InvalidInputException.class);
        assertThatThrownBy(() -> new CostModel(Map.of())).isInstanceOf(InvalidInputException.class);
    }

    @Test
    void hostCapacityChecksDomains() {
        RootDomain a = RootDomain.of("a", new TreeSet<>(List.of(0, 1)));
        RootDomain b = RootDomain.of("b", new TreeSet<>(List.of(1)));
        assertThatThrownBy(() -> new HostCapacity(List.of(a, b), 0.1, false)).hasMessageContaining("CPU 1");
        assertThatThrownBy(() -> new HostCapacity(List.of(a), 1.0, false)).hasMessageContaining("host.reserve");
        assertThatThrownBy(() -> new RootDomain("c", new TreeSet<>(List.of(0)), 950_000_000L, 1_000_000_000L, CpuBandwidth.ofKernelUnits(5),
                new java.util.TreeMap<>(Map.of(1, CpuBandwidth.ofKernelUnits(6)))))
                .hasMessageContaining("heldPerCpu").hasMessageContaining("outside the domain");
        // a constrained deadline's density Q/D held on a CPU may exceed the Q/P the domain's counter holds
        assertThat(new RootDomain("c", new TreeSet<>(List.of(0)), 950_000_000L, 1_000_000_000L, CpuBandwidth.ofKernelUnits(5),
                new java.util.TreeMap<>(Map.of(0, CpuBandwidth.ofKernelUnits(6)))).heldPerCpu()).containsEntry(0, CpuBandwidth.ofKernelUnits(6));
        assertThat(new HostCapacity(List.of(b, RootDomain.of("a", new TreeSet<>(List.of(0)))), 0.1, false).rootDomains())
                .extracting(RootDomain::name).containsExactly("a", "b");
    }
}
