package io.vmqos.lab.load;

import org.junit.jupiter.api.Test;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class ChildLoadRunTest {
    @Test
    void childJvmRunsTheLoadAndReturnsItsJson() {
        try (UdpEchoServer server = UdpEchoServer.start()) {
            LoadResult r = ChildLoadRun.run(List.of(), LoadSpec.paced(server.address(), 1000, 64, 1_000_000_000L));
            assertThat(r.requests()).isEqualTo(1000);
            assertThat(r.lost()).isZero();
            assertThat(server.echoed()).isEqualTo(1000);
        }
    }

    @Test
    void failingChildReportsItsStderr() {
        try (UdpEchoServer server = UdpEchoServer.start()) {
            // "false" as a prefix makes the command fail without running anything
            assertThatThrownBy(() -> ChildLoadRun.run(List.of("false"), LoadSpec.paced(server.address(), 10, 64, 100_000_000L)))
                    .isInstanceOf(IllegalStateException.class).hasMessageContaining("exited 1");
        }
    }
}
