package io.vmqos.core;

/**
 * One step of a plan: give thread {@code tid} the attributes {@code target}. {@code label} says why, for
 * people (e.g. {@code vcpu0 of vm web1}); it takes no part in equality of scheduling.
 */
public record ThreadChange(int tid, SchedAttributes target, String label) {
    public ThreadChange {
        if (tid <= 0) throw new InvalidInputException("tid", "thread id " + tid + " is not positive", "give a thread id from /proc/PID/task");
        if (target == null) throw new IllegalArgumentException("target is null");
        if (label == null) label = "";
    }
}
