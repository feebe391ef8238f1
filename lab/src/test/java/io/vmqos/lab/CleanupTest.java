package io.vmqos.lab;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class CleanupTest {
    @Test
    void runAllClosesNewestFirstAndSkipsUnregistered() {
        List<String> closed = new ArrayList<>();
        int before = Cleanup.liveCount();
        Cleanup.register("a", () -> closed.add("a"));
        Cleanup.Registration b = Cleanup.register("b", () -> closed.add("b"));
        Cleanup.register("c", () -> { closed.add("c"); throw new IllegalStateException("boom"); });
        b.unregister();
        assertThat(Cleanup.liveCount()).isEqualTo(before + 2);
        Cleanup.runAll();
        assertThat(closed).containsExactly("c", "a");
        assertThat(Cleanup.liveCount()).isZero();
    }
}
