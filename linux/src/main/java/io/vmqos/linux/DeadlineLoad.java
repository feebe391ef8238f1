package io.vmqos.linux;

import java.util.BitSet;
import java.util.List;
import java.util.Optional;
import java.util.StringJoiner;

/**
 * Predicts whether a root domain of exactly some CPUs could hold the SCHED_DEADLINE bandwidth it would get if the
 * domains were rebuilt now. The kernel does not check this when cpusets split a domain: the rebuild recounts every
 * live DEADLINE task into the domain of the CPU it last ran on and every CPU's deadline servers, and accepts a total
 * above the cap (measured on Linux 6.18: two sleeping 60% tasks that last ran on CPU 0 put 125% into domain {0},
 * whose cap is 95%; the tasks then miss deadlines and every new admission there fails with EBUSY). So
 * {@link CpuPartitions#plan} asks first. Implementations are stateless; any thread.
 */
@FunctionalInterface
public interface DeadlineLoad {
    /** Why a root domain of exactly {@code cpus} would be over its DEADLINE cap after a rebuild; empty when it fits. */
    Optional<String> overcommit(BitSet cpus);

    /** No prediction: every split is allowed (tests; hosts whose DEADLINE tasks vmqos cannot read). */
    DeadlineLoad NONE = cpus -> Optional.empty();

    /**
     * This host: the live DEADLINE threads by the CPU they last ran on ({@link DeadlineThreadWalker}), the deadline
     * servers of the CPUs (the kernel default 50ms/1s each when debugfs cannot show them), and the cap
     * {@code sched_rt_runtime_us / sched_rt_period_us} per CPU (none when the runtime is -1).
     */
    static DeadlineLoad live(ThreadScheduler scheduler) {
        DeadlineThreadWalker walker = new DeadlineThreadWalker(scheduler);
        KernelParameters kernel = new KernelParameters();
        DebugFs debugFs = new DebugFs();
        return cpus -> {
            long runtimeUs = kernel.rtRuntimeUs();
            if (runtimeUs < 0) return Optional.empty();
            long cap = ((runtimeUs << 20) / kernel.rtPeriodUs()) * cpus.cardinality();
            long servers = servers(debugFs, cpus);
            long held = servers;
            StringJoiner threads = new StringJoiner(", ");
            for (DeadlineThread t : walker.walk()) {
                if (t.cpu() < 0 || !cpus.get(t.cpu())) continue;
                held += t.kernelBandwidth();
                threads.add(t.tid() + " (" + t.comm() + ") " + percent(t.kernelBandwidth()));
            }
            if (held <= cap) return Optional.empty();
            return Optional.of("root domain " + CpuList.format(cpus) + " would hold " + percent(held) + " of its " + percent(cap)
                    + " DEADLINE cap: deadline servers " + percent(servers) + ", DEADLINE threads that last ran there: " + threads);
        };
    }

    private static long servers(DebugFs debugFs, BitSet cpus) {
        List<ServerBandwidth> found;
        try {
            found = DeadlineServers.read(debugFs, cpus).servers();
        } catch (LedgerUnavailableException e) {
            found = List.of();
        }
        if (found.isEmpty()) {
            return cpus.cardinality() * ((DeadlineServers.DEFAULT_RUNTIME_NS << 20) / DeadlineServers.DEFAULT_PERIOD_NS);
        }
        long sum = 0;
        for (ServerBandwidth s : found) sum += s.kernelBandwidth();
        return sum;
    }

    /** Kernel fixed point (2^20 = one CPU) as a percentage of one CPU, e.g. {@code 95.0%}. */
    private static String percent(long bw) { return String.format(java.util.Locale.ROOT, "%.1f%%", bw * 100.0 / (1 << 20)); }
}
