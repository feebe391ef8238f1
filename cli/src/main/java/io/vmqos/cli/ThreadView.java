package io.vmqos.cli;

import io.vmqos.core.SchedAttributes;

/** One thread as the CLI reports it (text and JSON). Times in ns; bandwidth as a fraction of one CPU. */
record ThreadView(int tid, String name, String policy, int priority, int nice, long runtimeNs, long deadlineNs,
                  long periodNs, double bandwidth, String role, String cpus, String heldBy) {
    static ThreadView of(int tid, String name, SchedAttributes a, String role) {
        return new ThreadView(tid, name, a.policy().name(), a.priority(), a.nice(),
                a.isDeadline() ? a.runtimeNs() : 0, a.isDeadline() ? a.deadlineNs() : 0, a.isDeadline() ? a.periodNs() : 0,
                a.bandwidth().cpus(), role, "", "");
    }

    /**
     * The same with the CPUs the thread may run on ({@code Cpus_allowed_list}: one CPU when vmqos pinned it to a
     * partition) and who in vmqos's record holds it (empty: not vmqos's).
     */
    ThreadView where(String cpuList, String owners) {
        return new ThreadView(tid, name, policy, priority, nice, runtimeNs, deadlineNs, periodNs, bandwidth, role, cpuList, owners);
    }

    String describe() {
        return switch (policy) {
            case "DEADLINE" -> io.vmqos.core.Durations.format(runtimeNs) + "/" + io.vmqos.core.Durations.format(deadlineNs)
                    + "/" + io.vmqos.core.Durations.format(periodNs);
            case "FIFO", "RR" -> "prio " + priority;
            default -> "nice " + nice;
        };
    }
}
