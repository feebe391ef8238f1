package io.vmqos.linux;

import io.vmqos.core.CpuBandwidth;

/**
 * One CPU's {@code dl_rq[N]} block of {@code /sys/kernel/debug/sched/debug}, as the kernel prints it (in its
 * fixed point, {@link CpuBandwidth#kernelUnits()}).
 *
 * @param cpu the CPU number N
 * @param perCpuBw {@code .dl_bw->bw}: the most one CPU of this root domain may give to DEADLINE, from
 *     {@code sched_rt_runtime_us/sched_rt_period_us}; -1 kernel unit means unlimited (sched_rt_runtime_us = -1),
 *     see {@link #unlimited()}
 * @param totalBw {@code .dl_bw->total_bw}: the root domain's admission counter, the sum of all admitted
 *     DEADLINE bandwidth (tasks and deadline servers) of the root domain this CPU belongs to
 */
public record CpuDlBandwidth(int cpu, CpuBandwidth perCpuBw, CpuBandwidth totalBw) {
    /** True when the kernel does not limit DEADLINE bandwidth ({@code .dl_bw->bw} is -1). */
    public boolean unlimited() { return perCpuBw.isNegative(); }
}
