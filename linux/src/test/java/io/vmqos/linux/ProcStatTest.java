package io.vmqos.linux;

import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class ProcStatTest {
    // 52 fields as Linux 6.x prints them; field 39 (processor) = 1, field 41 (policy) = 6
    private static final String TAIL = " S 1 4242 4242 0 -1 4194560 100 0 0 0 5 3 0 0 -101 0 1 0 12345 1000000 100 "
            + "18446744073709551615 1 1 0 0 0 0 0 0 0 0 0 0 17 1 0 6 0 0 0 0 0 0 0 0 0 0 0\n";

    @Test
    void commWithSpacesAndParenthesesIsTakenToTheLastParen() {
        ProcStat s = ProcStat.parse("4242 (vq) evil (name) x)" + TAIL);
        assertThat(s.tid()).isEqualTo(4242);
        assertThat(s.comm()).isEqualTo("vq) evil (name) x");
        assertThat(s.processor()).isEqualTo(1);
        assertThat(s.policy()).isEqualTo(6);
    }

    @Test
    void readsOwnThread() throws Exception {
        Path self = Path.of("/proc/thread-self/stat");
        org.junit.jupiter.api.Assumptions.assumeTrue(Files.exists(self), "no procfs");
        ProcStat s = ProcStat.parse(Files.readString(self));
        assertThat(s.policy()).isNotEqualTo(6);
        assertThat(s.processor()).isGreaterThanOrEqualTo(0);
    }

    @Test
    void truncatedLineIsRefused() {
        assertThatThrownBy(() -> ProcStat.parse("1 (x) S 1 2 3")).hasMessageContaining("needs 41");
        assertThatThrownBy(() -> ProcStat.parse("garbage")).hasMessageContaining("not a /proc stat line");
    }
}
