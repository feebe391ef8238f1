package io.vmqos.linux;

import io.vmqos.core.CpuList;
import io.vmqos.core.CpuBandwidth;

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
            CpuBandwidth cap = CpuBandwidth.ofRuntime(runtimeUs, kernel.rtPeriodUs()).times(cpus.cardinality());
            CpuBandwidth servers = servers(debugFs, cpus);
            CpuBandwidth held = servers;
            StringJoiner threads = new StringJoiner(", ");
            for (DeadlineThread t : walker.walk()) {
                if (t.cpu() < 0 || !cpus.get(t.cpu())) continue;
                held = held.plus(t.bandwidth());
                threads.add(t.tid() + " (" + t.comm() + ") " + t.bandwidth().percent());
            }
            if (!held.exceeds(cap)) return Optional.empty();
            return Optional.of("root domain " + CpuList.format(cpus) + " would hold " + held.percent() + " of its " + cap.percent()
                    + " DEADLINE cap: deadline servers " + servers.percent() + ", DEADLINE threads that last ran there: " + threads);
        };
    }

    private static CpuBandwidth servers(DebugFs debugFs, BitSet cpus) {
        List<ServerBandwidth> found;
        try {
            found = DeadlineServers.read(debugFs, cpus).servers();
        } catch (LedgerUnavailableException e) {
            found = List.of();
        }
        if (found.isEmpty()) {
            return CpuBandwidth.ofRuntime(DeadlineServers.DEFAULT_RUNTIME_NS, DeadlineServers.DEFAULT_PERIOD_NS).times(cpus.cardinality());
        }
        CpuBandwidth sum = CpuBandwidth.ZERO;
        for (ServerBandwidth s : found) sum = sum.plus(s.bandwidth());
        return sum;
    }
}
