package io.vmqos.core;

import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.LongRange;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class DurationsTest {
    @Test
    void parsesHumanUnits() {
        assertThat(Durations.parseNanos("f", "500us")).isEqualTo(500_000);
        assertThat(Durations.parseNanos("f", "2ms")).isEqualTo(2_000_000);
        assertThat(Durations.parseNanos("f", "1.5ms")).isEqualTo(1_500_000);
        assertThat(Durations.parseNanos("f", "1s")).isEqualTo(1_000_000_000);
        assertThat(Durations.parseNanos("f", "100ns")).isEqualTo(100);
        assertThat(Durations.parseNanos("f", " 3 ms ")).isEqualTo(3_000_000);
        assertThat(Durations.parseNanos("f", "7µs")).isEqualTo(7_000);
    }

    @ParameterizedTest
    @ValueSource(strings = {"", " ", "10", "ms", "2 hours", "2mss", "-1ms", "1.0000001us", "abc", "1e3ms", "99999999999999s"})
    void refusesBadDurationsNamingTheFieldAndFix(String text) {
        assertThatThrownBy(() -> Durations.parseNanos("--runtime", text))
                .isInstanceOf(InvalidInputException.class)
                .hasMessageStartingWith("--runtime")
                .hasMessageContaining("fix:");
    }

    @Property
    void formatRoundTrips(@ForAll @LongRange(min = 1, max = 10_000_000_000L) long nanos) {
        assertThat(Durations.parseNanos("f", Durations.format(nanos))).isEqualTo(nanos);
    }
}
