package io.vmqos.linux;

import io.vmqos.core.CpuBandwidth;
import io.vmqos.core.Reservation;

/**
 * A live SCHED_DEADLINE thread as found by {@link DeadlineThreadWalker}.
 *
 * @param pid the thread group (process) id
 * @param tid the thread id
 * @param comm the thread's name ({@code /proc/PID/task/TID/comm}); may contain spaces and parentheses
 * @param reservation the parameters sched_getattr reports
 * @param bandwidth {@code (runtime << 20) / period}, what the kernel counts in {@code total_bw}
 * @param cpu the CPU the thread last ran on, which places it in a root domain
 */
public record DeadlineThread(int pid, int tid, String comm, Reservation reservation, CpuBandwidth bandwidth, int cpu) {

    /** Without the CPU (unknown: -1), as the lead's API sketch has it. */
    public DeadlineThread(int pid, int tid, String comm, Reservation reservation, CpuBandwidth bandwidth) {
        this(pid, tid, comm, reservation, bandwidth, -1);
    }
}
