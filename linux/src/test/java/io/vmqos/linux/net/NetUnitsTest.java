package io.vmqos.linux.net;

import io.vmqos.core.InvalidInputException;
import io.vmqos.core.net.ShapingSpec;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class NetUnitsTest {
    @Test
    void parsesRatesInBitsPerSecond() {
        assertThat(NetUnits.parseRateBits("rate", "100mbit")).isEqualTo(100_000_000L);
        assertThat(NetUnits.parseRateBits("rate", "1gbit")).isEqualTo(1_000_000_000L);
        assertThat(NetUnits.parseRateBits("rate", "500kbit")).isEqualTo(500_000L);
        assertThat(NetUnits.parseRateBits("rate", "1.5mbit")).isEqualTo(1_500_000L);
        assertThat(NetUnits.parseRateBits("rate", "100Mbit")).isEqualTo(100_000_000L);
        assertThat(NetUnits.parseRateBits("rate", "1mibit")).isEqualTo(1L << 20);
        assertThat(NetUnits.parseRateBits("rate", "10mbps")).isEqualTo(80_000_000L);
        assertThat(NetUnits.parseRateBits("rate", "1234bit")).isEqualTo(1234L);
    }

    @Test
    void refusesBadRates() {
        assertThatThrownBy(() -> NetUnits.parseRateBits("ceil", "100")).isInstanceOf(InvalidInputException.class)
                .hasMessageContaining("ceil").hasMessageContaining("no unit");
        assertThatThrownBy(() -> NetUnits.parseRateBits("rate", "10furlongs")).hasMessageContaining("unknown rate unit");
        assertThatThrownBy(() -> NetUnits.parseRateBits("rate", "-1mbit")).isInstanceOf(InvalidInputException.class);
        assertThatThrownBy(() -> NetUnits.parseRateBits("rate", "0mbit")).hasMessageContaining("zero");
        assertThatThrownBy(() -> NetUnits.parseRateBits("rate", "0.1bit")).hasMessageContaining("whole");
    }

    @Test
    void parsesSizesInBytes() {
        assertThat(NetUnits.parseSizeBytes("burst", "15k")).isEqualTo(15_360L);
        assertThat(NetUnits.parseSizeBytes("burst", "1500b")).isEqualTo(1500L);
        assertThat(NetUnits.parseSizeBytes("burst", "1500")).isEqualTo(1500L);
        assertThat(NetUnits.parseSizeBytes("burst", "1m")).isEqualTo(1L << 20);
        assertThat(NetUnits.parseSizeBytes("burst", "15337b")).isEqualTo(15337L);
        assertThat(NetUnits.parseSizeBytes("burst", "8kbit")).isEqualTo(1000L);
        assertThatThrownBy(() -> NetUnits.parseSizeBytes("burst", "15q")).hasMessageContaining("unknown size unit");
    }

    @Test
    void formatsAndConverts() {
        assertThat(NetUnits.formatRate(100_000_000L)).isEqualTo("100mbit");
        assertThat(NetUnits.formatRate(1_500_000L)).isEqualTo("1500kbit");
        assertThat(NetUnits.formatRate(1234L)).isEqualTo("1234bit");
        assertThat(NetUnits.bytesPerSecond(100_000_000L)).isEqualTo(12_500_000L);
    }

    @Test
    void specValidates() {
        ShapingSpec s = NetUnits.shaping("100mbit", "1gbit", "15k");
        assertThat(s.rateBits()).isEqualTo(100_000_000L);
        assertThatThrownBy(() -> NetUnits.shaping("100mbit", "10mbit", "15k")).hasMessageContaining("ceil");
        assertThatThrownBy(() -> NetUnits.shaping("100mbit", "100mbit", "100b")).hasMessageContaining("burst");
        assertThatThrownBy(() -> new VmShare("web", "nope", s)).hasMessageContaining("MAC");
    }
}
