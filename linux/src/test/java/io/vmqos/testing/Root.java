package io.vmqos.testing;

import org.junit.jupiter.api.Assumptions;

import java.nio.file.Files;
import java.nio.file.Path;

/** Assumptions for tests that need the real kernel's SCHED_DEADLINE as root. */
public final class Root {
    private Root() {}

    /** Skips the test unless running as root on Linux with SCHED_DEADLINE (period limits in procfs). */
    public static void assumeDeadlineCapable() {
        Assumptions.assumeTrue("root".equals(System.getProperty("user.name")),
                "needs root: SCHED_DEADLINE and the ledger need CAP_SYS_NICE and debugfs");
        Assumptions.assumeTrue(Files.exists(Path.of("/proc/sys/kernel/sched_deadline_period_min_us")),
                "kernel without SCHED_DEADLINE period limits in /proc/sys/kernel");
    }
}
