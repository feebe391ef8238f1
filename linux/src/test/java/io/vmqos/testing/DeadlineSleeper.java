package io.vmqos.testing;

import java.io.IOException;

import static org.assertj.core.api.Assertions.assertThat;

/** Another program's SCHED_DEADLINE task for kernel tests: {@code chrt -d} 1ms/10ms running {@code sleep}. */
public final class DeadlineSleeper {
    private DeadlineSleeper() {}

    /** Starts it and checks the kernel admitted it (chrt exits when sched_setattr fails); destroy it when done. */
    public static Process start(int seconds) throws IOException, InterruptedException {
        Process p = new ProcessBuilder("chrt", "-d", "-T", "1000000", "-D", "10000000", "-P", "10000000", "0",
                "sleep", Integer.toString(seconds)).start();
        Thread.sleep(100);
        assertThat(p.isAlive()).as("chrt -d refused (admission?)").isTrue();
        return p;
    }
}
