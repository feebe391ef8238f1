package io.vmqos.linux;

import io.vmqos.core.CpuList;
import org.junit.jupiter.api.Test;

import java.util.BitSet;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class CpuListTest {
    @Test
    void roundTrips() {
        BitSet b = CpuList.parse("0-2,5,7-8\n");
        assertThat(b.cardinality()).isEqualTo(6);
        assertThat(CpuList.format(b)).isEqualTo("0-2,5,7-8");
        assertThat(CpuList.parse("").isEmpty()).isTrue();
        assertThat(CpuList.format(new BitSet())).isEmpty();
    }

    @Test
    void refusesGarbage() {
        assertThatThrownBy(() -> CpuList.parse("a-b")).hasMessageContaining("not a CPU list");
        assertThatThrownBy(() -> CpuList.parse("3-1")).hasMessageContaining("backwards");
    }
}
