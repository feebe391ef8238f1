package io.vmqos.host;

import io.vmqos.core.Bandwidth;

/**
 * One root domain's deadline bandwidth, in kernel fixed point (2^20 = one CPU).
 *
 * @param cpus the domain's CPUs as a list text, e.g. {@code 0-1}; also its identity
 * @param capacity what the kernel admits: per-CPU {@code sched_rt_runtime_us/sched_rt_period_us} × CPUs
 * @param kernelHeld what the kernel's admission counter ({@code dl_bw->total_bw}) holds now
 * @param accountedHeld what live DEADLINE threads and deadline servers really hold; below kernelHeld on a leak
 */
public record DomainBudget(String cpus, long capacity, long kernelHeld, long accountedHeld) {
    /** Kernel counter above what is accounted for: bandwidth the kernel leaked. */
    public long leaked() { return Math.max(0, kernelHeld - accountedHeld); }

    /** "held 25.0% of 190.0%" style text for messages. */
    public String describe() {
        return "root domain CPUs " + cpus + ": kernel holds " + Bandwidth.percent(kernelHeld) + " of "
                + Bandwidth.percent(capacity) + " (threads and servers account for " + Bandwidth.percent(accountedHeld) + ")";
    }
}
