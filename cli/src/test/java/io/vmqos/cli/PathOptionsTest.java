package io.vmqos.cli;

import io.vmqos.core.InvalidInputException;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** --shape RATE[,CEIL[,BURST]] parsing and its errors. */
class PathOptionsTest {
    @Test
    void parsesAllForms() {
        var full = PathOptions.parseShape("--shape", "100mbit,200mbit,15k");
        assertThat(full.rateBits()).isEqualTo(100_000_000L);
        assertThat(full.ceilBits()).isEqualTo(200_000_000L);
        assertThat(full.burstBytes()).isEqualTo(15_360L);
        var rateOnly = PathOptions.parseShape("--shape", "20mbit");
        assertThat(rateOnly.ceilBits()).isEqualTo(20_000_000L);
        assertThat(PathOptions.parseShape("--shape", null)).isNull();
    }

    @Test
    void badInputNamesTheOption() {
        assertThatThrownBy(() -> PathOptions.parseShape("--shape", "100mbit,50mbit")).isInstanceOf(InvalidInputException.class)
                .hasMessageContaining("--shape ceil");
        assertThatThrownBy(() -> PathOptions.parseShape("--shape", "1,2,3,4")).isInstanceOf(InvalidInputException.class)
                .hasMessageContaining("RATE[,CEIL[,BURST]]");
        assertThatThrownBy(() -> PathOptions.parseShape("--shape", "fast")).isInstanceOf(InvalidInputException.class)
                .hasMessageContaining("--shape rate");
    }
}
