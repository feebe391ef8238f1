package io.vmqos.linux;

import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;

/** Reading the armed inactive timers from a {@code /proc/timer_list} text (the 6.18 format). */
class InactiveTimersTest {
    private static final String LIST = """
            Timer List Version: v0.10
            now at 16148787376555 nsecs

            cpu: 0
             clock 0:
            active timers:
             #0: <0000000043dec02c>, tick_nohz_handler, S:01
             # expires at 16148788000000-16148788000000 nsecs [in 623445 to 623445 nsecs]
             #1: <00000000684736e5>, inactive_task_timer, S:01
             # expires at 16148797968423-16148798018423 nsecs [in 10591868 to 10641868 nsecs]
             #2: <000000007fa851d1>, inactive_task_timer, S:01
             # expires at 16148789968423-16148789968423 nsecs [in 2591868 to 2591868 nsecs]
            cpu: 1
             #0: <0000000007971a05>, inactive_task_timer, S:01
             # expires at 16250388322601-16250388322601 nsecs [in 65131271136 to 65131271136 nsecs]
             #1: <000000009145fa80>, dl_task_timer, S:01
             # expires at 16148987376555-16148987376555 nsecs [in 200000000 to 200000000 nsecs]
            """;

    @Test
    void theLastInactiveTimerWithinTheBoundCounts() {
        assertThat(InactiveTimers.lastFiresInNs(LIST, 100_000_000L)).isEqualTo(10_641_868L);
        assertThat(InactiveTimers.lastFiresInNs(LIST, Long.MAX_VALUE)).as("the 65 s one too").isEqualTo(65_131_271_136L);
        assertThat(InactiveTimers.lastFiresInNs(LIST, 1_000_000L)).as("none within 1 ms").isZero();
    }

    @Test
    void anExpiredTimerNotYetRunFiresNowAndNoneMeansZero() {
        assertThat(InactiveTimers.lastFiresInNs("""
                 #1: <00000000684736e5>, inactive_task_timer, S:01
                 # expires at 16148797968423-16148798018423 nsecs [in -1200 to -200 nsecs]
                """, 1_000_000L)).isEqualTo(1);
        assertThat(InactiveTimers.lastFiresInNs(" #0: <0000000043dec02c>, tick_nohz_handler, S:01\n", 1_000_000L)).isZero();
    }

    @Test
    void anUnreadableListIsUnknown() throws Exception {
        assertThat(new InactiveTimers(Path.of("/nonexistent/timer_list")).lastFiresInNs(1)).isEmpty();
        Path f = Files.createTempFile("timer_list", "");
        try {
            Files.writeString(f, LIST);
            assertThat(new InactiveTimers(f).lastFiresInNs(100_000_000L)).hasValue(10_641_868L);
        } finally {
            Files.delete(f);
        }
    }
}
