package io.vmqos.core;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class ReservationTest {
    private static final KernelLimits L = KernelLimits.DEFAULT;

    @Test
    void parsesRuntimePeriodAndConstrainedDeadline() {
        assertThat(Reservation.parse("r", "2ms/10ms")).isEqualTo(new Reservation(2_000_000, 10_000_000, 10_000_000));
        assertThat(Reservation.parse("r", "1ms/5ms/10ms")).isEqualTo(new Reservation(1_000_000, 5_000_000, 10_000_000));
        assertThat(Reservation.parse("r", "2ms/10ms").bandwidth()).isEqualTo(CpuBandwidth.ofKernelUnits(209_715)); // 0.2 × 2^20 rounded down
        assertThat(Reservation.parse("r", "1ms/5ms/10ms").toString()).isEqualTo("1ms/5ms/10ms");
        assertThat(Reservation.parse("r", "500us/2ms").bandwidth()).isEqualTo(CpuBandwidth.ofKernelUnits(1L << 18));
    }

    @Test
    void validationNamesTheBrokenRule() {
        assertThatThrownBy(() -> new Reservation(5, 4, 10).validate("x", L)).hasMessageContaining("x runtime");
        assertThatThrownBy(() -> new Reservation(5_000_000, 4_000_000, 10_000_000).validate("x", L))
                .hasMessageContaining("longer than the deadline");
        assertThatThrownBy(() -> new Reservation(1_000_000, 20_000_000, 10_000_000).validate("x", L))
                .hasMessageContaining("x deadline").hasMessageContaining("longer than the period");
        assertThatThrownBy(() -> Reservation.of(10_000, 50_000).validate("x", L))
                .hasMessageContaining("below the kernel's minimum 100us");
        assertThatThrownBy(() -> Reservation.of(1_000_000, 5_000_000_000L).validate("x", L))
                .hasMessageContaining("above the kernel's maximum");
        assertThatThrownBy(() -> Reservation.of(0, 10_000_000).validate("x", L)).hasMessageContaining("must be positive");
        assertThatThrownBy(() -> Reservation.of(-5, 10_000_000).validate("x", L)).hasMessageContaining("must be positive");
        assertThatThrownBy(() -> Reservation.of(1000, 10_000_000).validate("x", L)).hasMessageContaining("1024ns");
        assertThatThrownBy(() -> Reservation.parse("--vcpu", "2ms")).hasMessageContaining("--vcpu").hasMessageContaining("runtime/period");
        assertThatThrownBy(() -> Reservation.parse("--vcpu", "2ms/10xs")).hasMessageContaining("unknown unit");
        assertThat(Reservation.of(1024, 100_000).validate("x", L)).isNotNull();
        assertThat(Reservation.of(10_000_000, 10_000_000).validate("x", L)).isNotNull();
    }
}
