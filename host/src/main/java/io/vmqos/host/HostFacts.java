package io.vmqos.host;

import io.vmqos.core.KernelLimits;
import io.vmqos.linux.DeadlineLedger;
import io.vmqos.linux.KernelParameters;
import io.vmqos.linux.LedgerSnapshot;

/**
 * The live figures a host plan starts from: the kernel's deadline ledger (root domains, what is held, by which
 * threads), the real-time throttling ratio that caps each CPU's deadline bandwidth, and the period limits.
 * Immutable snapshot.
 *
 * @param ledger the deadline ledger as read now
 * @param rtRuntimeNs {@code sched_rt_runtime_us} in ns; equal to {@code rtPeriodNs} when unlimited (-1)
 * @param rtPeriodNs {@code sched_rt_period_us} in ns
 * @param limits DEADLINE period limits
 */
public record HostFacts(LedgerSnapshot ledger, long rtRuntimeNs, long rtPeriodNs, KernelLimits limits) {

    /** Reads the real host (needs root for debugfs). */
    public static HostFacts read(DeadlineLedger ledger, KernelParameters params) {
        long period = params.rtPeriodUs() * 1_000;
        long runtime = params.rtRuntimeUs() < 0 ? period : params.rtRuntimeUs() * 1_000;
        return new HostFacts(ledger.read(), runtime, period, params.limits());
    }
}
