package io.vmqos.linux;

import io.vmqos.core.KernelLimits;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;

/**
 * The scheduler sysctls vmqos reads: DEADLINE period limits and the real-time throttling ratio
 * ({@code sched_rt_runtime_us / sched_rt_period_us}) that caps each CPU's deadline bandwidth. Read fresh on every
 * call; thread-safe.
 */
public final class KernelParameters {
    private final Path sysctl;

    public KernelParameters() { this(Path.of("/proc/sys/kernel")); }

    public KernelParameters(Path sysctl) { this.sysctl = sysctl; }

    /** Period limits; the kernel defaults if the files are missing. */
    public KernelLimits limits() {
        long min = read("sched_deadline_period_min_us").map(v -> v * 1000).orElse(KernelLimits.DEFAULT.periodMinNs());
        long max = read("sched_deadline_period_max_us").map(v -> v * 1000).orElse(KernelLimits.DEFAULT.periodMaxNs());
        return new KernelLimits(min, max);
    }

    /** True when the kernel exposes SCHED_DEADLINE's sysctls. */
    public boolean deadlineSupported() { return Files.exists(sysctl.resolve("sched_deadline_period_min_us")); }

    /** {@code sched_rt_runtime_us}; -1 means no limit (deadline admission then allows 100%). */
    public long rtRuntimeUs() { return read("sched_rt_runtime_us").orElse(950_000L); }

    /** {@code sched_rt_period_us}. */
    public long rtPeriodUs() { return read("sched_rt_period_us").orElse(1_000_000L); }

    private Optional<Long> read(String name) {
        try {
            return Optional.of(Long.parseLong(readWhole(sysctl.resolve(name)).strip()));
        } catch (IOException | NumberFormatException e) {
            return Optional.empty();
        }
    }

    /**
     * Reads a small kernel file in ONE read call. Sysctl files report size 0 and answer a read at a non-zero
     * offset with EOF, so {@code Files.readString} (which probes with a 1-byte read first) sees only the first
     * digit: "950000" would read as "9".
     */
    static String readWhole(Path p) throws IOException {
        try (var in = Files.newInputStream(p)) {
            byte[] buf = new byte[4096];
            int n = in.read(buf);
            return n <= 0 ? "" : new String(buf, 0, n, java.nio.charset.StandardCharsets.US_ASCII);
        }
    }
}
