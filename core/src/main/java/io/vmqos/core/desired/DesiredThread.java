package io.vmqos.core.desired;

import io.vmqos.core.SchedAttributes;

import java.util.List;

/**
 * A thread as the policy wants it: its scheduling attributes and, under partitioned EDF, the one CPU it is pinned to.
 *
 * @param pid the process it belongs to (QEMU's pid; a kernel thread is its own)
 * @param vms the VMs that want it so (several for a NAPI thread their paths share), sorted
 * @param label for people: {@code web1 vcpu0}, {@code web1+db1 napi 812}
 * @param cpu the CPU it is pinned to, or {@link #ANY_CPU}
 */
public record DesiredThread(int tid, int pid, List<String> vms, String label, SchedAttributes attrs, int cpu) {
    public static final int ANY_CPU = -1;

    public DesiredThread {
        vms = List.copyOf(new java.util.TreeSet<>(vms));
    }

    public boolean pinned() { return cpu != ANY_CPU; }

    /** The thread's stage, as metrics and the SLA watch name it: its label without the VM names ({@code web vcpu0} is {@code vcpu0}). */
    public String stage() {
        int sp = label.indexOf(' ');
        return sp < 0 ? label : label.substring(sp + 1);
    }
}
