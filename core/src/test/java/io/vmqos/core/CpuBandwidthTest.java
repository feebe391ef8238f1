package io.vmqos.core;

import org.junit.jupiter.api.Test;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

class CpuBandwidthTest {
    @Test
    void roundsLikeTheKernelAndNeverUnderAsks() {
        assertThat(CpuBandwidth.ONE_CPU.kernelUnits()).isEqualTo(1L << 20);
        assertThat(CpuBandwidth.ofRuntime(1, 3).kernelUnits()).isEqualTo((1L << 20) / 3);       // to_ratio: down
        assertThat(CpuBandwidth.ofRuntime(1, 0)).isEqualTo(CpuBandwidth.ZERO);
        assertThat(CpuBandwidth.ofDensity(1, 3).kernelUnits()).isEqualTo((1L << 20) / 3 + 1);   // density: up
        assertThat(CpuBandwidth.ofCpus(0.95).kernelUnits()).isEqualTo(996_147);
        assertThat(CpuBandwidth.ONE_CPU.fractionOf(0.1).kernelUnits()).isEqualTo(104_858);
        assertThat(CpuBandwidth.ofKernelUnits(1).millionths()).isEqualTo(1);                    // 0.95 millionths: up
        assertThat(CpuBandwidth.ofKernelUnits(-1).millionths()).isEqualTo(0);
        assertThat(CpuBandwidth.ONE_CPU.times(3).millionths()).isEqualTo(3_000_000);
        assertThat(CpuBandwidth.ofMillionths(1).kernelUnits()).isEqualTo(1);                    // 1.05 units: down
        assertThat(CpuBandwidth.ofMillionths(-1).kernelUnits()).isEqualTo(-2);
        assertThat(CpuBandwidth.ofMillionths(2_500_000)).isEqualTo(CpuBandwidth.ofCpus(2.5));
    }

    @Test
    void arithmeticAndText() {
        CpuBandwidth a = CpuBandwidth.ofCpus(0.25), b = CpuBandwidth.ofCpus(0.5);
        assertThat(a.plus(b)).isEqualTo(CpuBandwidth.ofCpus(0.75));
        assertThat(a.minus(b).isNegative()).isTrue();
        assertThat(a.minus(a).isZero()).isTrue();
        assertThat(b.exceeds(a)).isTrue();
        assertThat(a.exceeds(a)).isFalse();
        assertThat(a.max(b)).isEqualTo(b);
        assertThat(a.min(b)).isEqualTo(a);
        assertThat(CpuBandwidth.sum(List.of(a, b, a))).isEqualTo(CpuBandwidth.ONE_CPU);
        assertThat(CpuBandwidth.sum(List.of())).isEqualTo(CpuBandwidth.ZERO);
        assertThat(a.compareTo(b)).isNegative();
        assertThat(CpuBandwidth.ofRuntime(2_000_000, 10_000_000).percent()).isEqualTo("20.0%");
        assertThat(CpuBandwidth.ONE_CPU.times(2)).hasToString("200.0%");
        assertThat(b.cpus()).isEqualTo(0.5);
    }
}
