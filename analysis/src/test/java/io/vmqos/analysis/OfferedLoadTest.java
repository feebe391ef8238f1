package io.vmqos.analysis;

import io.vmqos.core.config.DirectionSla;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/** {@link OfferedLoad}: a window's traffic against the SLA's token-bucket envelope, in packets and in bytes. */
class OfferedLoadTest {
    final DirectionSla sla = new DirectionSla(new DirectionSla.PacketsPerSecond(100), 100, 4, 5_000_000);

    @Test
    void theEnvelopeIsRateTimesWindowPlusBurst() {
        OfferedLoad at = OfferedLoad.of("web", "rx", sla, 1004, 1004 * 100, 10_000_000_000L);
        assertThat(at.envelopePackets()).isEqualTo(1004);
        assertThat(at.exceeds()).isFalse();
        assertThat(OfferedLoad.of("web", "rx", sla, 1005, 1005 * 100, 10_000_000_000L).exceeds()).isTrue();
        assertThat(at.describe()).contains("vm web: rx offered 100 pps").contains("is within").contains("100 pps");
    }

    @Test
    void largerPacketsThanTheSlaSaysExceedItInBytes() {
        OfferedLoad big = OfferedLoad.of("web", "tx", sla, 500, 500 * 1500, 10_000_000_000L);
        assertThat(big.exceeds()).isTrue();
        assertThat(big.describe()).contains("exceeds");
    }

    @Test
    void aBitRateSlaIsCountedAtItsPacketSize() {
        DirectionSla bits = new DirectionSla(new DirectionSla.BitsPerSecond(8_000_000), 1000, 8, 5_000_000); // 1000 pps
        assertThat(OfferedLoad.of("db", "tx", bits, 2008, 2_008_000, 2_000_000_000L).exceeds()).isFalse();
        assertThat(OfferedLoad.of("db", "tx", bits, 2009, 2_009_000, 2_000_000_000L).exceeds()).isTrue();
    }
}
