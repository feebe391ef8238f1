package io.vmqos.host;

import io.vmqos.core.CpuBandwidth;

/**
 * One root domain's deadline bandwidth.
 *
 * @param cpus the domain's CPUs as a list text, e.g. {@code 0-1}; also its identity
 * @param capacity what the kernel admits: per-CPU {@code sched_rt_runtime_us/sched_rt_period_us} × CPUs
 * @param kernelHeld what the kernel's admission counter ({@code dl_bw->total_bw}) holds now
 * @param accountedHeld what live DEADLINE threads and deadline servers really hold; below kernelHeld on a leak
 */
public record DomainBudget(String cpus, CpuBandwidth capacity, CpuBandwidth kernelHeld, CpuBandwidth accountedHeld) {
    /** Kernel counter above what is accounted for: bandwidth the kernel leaked (zero when none). */
    public CpuBandwidth leaked() { return kernelHeld.minus(accountedHeld).max(CpuBandwidth.ZERO); }

    /** "held 25.0% of 190.0%" style text for messages. */
    public String describe() {
        return "root domain CPUs " + cpus + ": kernel holds " + kernelHeld.percent() + " of "
                + capacity.percent() + " (threads and servers account for " + accountedHeld.percent() + ")";
    }
}
