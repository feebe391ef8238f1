package io.vmqos.linux;

/**
 * One CPU's {@code dl_rq[N]} block of {@code /sys/kernel/debug/sched/debug}, in kernel fixed point (2^20 = one
 * CPU).
 *
 * @param cpu the CPU number N
 * @param perCpuBw {@code .dl_bw->bw}: the most one CPU of this root domain may give to DEADLINE, from
 *     {@code sched_rt_runtime_us/sched_rt_period_us}; -1 means unlimited (sched_rt_runtime_us = -1)
 * @param totalBw {@code .dl_bw->total_bw}: the root domain's admission counter, the sum of all admitted
 *     DEADLINE bandwidth (tasks and deadline servers) of the root domain this CPU belongs to
 */
public record CpuDlBandwidth(int cpu, long perCpuBw, long totalBw) {}
